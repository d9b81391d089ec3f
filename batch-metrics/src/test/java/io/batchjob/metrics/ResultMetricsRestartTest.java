package io.batchjob.metrics;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.execution.FileExecutionRecords;
import io.batchjob.core.execution.RecordedExecution;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.result.ResultParser;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** After a restart the result metrics of the kept executions are rebuilt from the report directory. */
class ResultMetricsRestartTest {

    private static final ControllerConfig CONFIG = ConfigLoader.load("""
            name: scan
            metrics:
              prefix: scan
              gauges:
                my_metric:
                  labels: [label_a]
            """, "kind: Pod\nspec: {containers: [{name: a}]}", "test").config();

    @TempDir
    Path reports;

    private static String result(double value, String label) {
        return "{\"my_metric\":[{\"value\":" + value + ",\"labels\":{\"label_a\":\"" + label + "\"}}]}";
    }

    /** Stores a result as the callback API does, then hands it to the engine. */
    private static void report(EngineHarness h, String id, String node, String json) {
        h.store.write(id, node + ".json", json.getBytes(StandardCharsets.UTF_8));
        h.engine.resultReceived(id, node, ResultParser.parse(json.getBytes(StandardCharsets.UTF_8), "scan"));
    }

    private static List<String> series(PrometheusRegistry registry) throws Exception {
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            List<Scrape.Sample> samples = Scrape.scrape(server.port());
            return List.of("scan_my_metric", "scan_processing", "scan_duration", "scan_current_execution_id", "scan_pods").stream()
                    .flatMap(p -> Scrape.lines(samples, p).stream()).sorted().toList();
        }
    }

    @Test
    void theKeptExecutionsSeriesComeBackAfterARestartAndAResumedNodeReplacesItsOwn() throws Exception {
        PrometheusRegistry before = new PrometheusRegistry();
        ResultMetrics first = new ResultMetrics(CONFIG, before, "1");
        String finished;
        String running;
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("ok", "bad", "late")).poolSize(3)
                .backend(InMemoryJobBackend.manual()).listener(first).build()) {
            h.engine.activate();
            finished = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.running() == 3);
            report(h, finished, "ok", result(1.5, "A"));
            h.backend.end(finished, "ok", JobEnd.succeeded());
            h.backend.end(finished, "bad", JobEnd.failed("exit code 1"));
            h.backend.end(finished, "late", JobEnd.succeeded()); // no report yet...
            await().until(() -> h.listener.jobEnds.size() == 3);
            h.clock.advance(java.time.Duration.ofMinutes(1));
            running = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(running).size() == 3);
            report(h, running, "ok", result(7, "B"));
            await().until(() -> h.listener.events.stream().filter("result:ok"::equals).count() == 2);
            h.engine.deactivate(); // handed over: the second execution is still running
        }
        List<String> expected = series(before);
        assertThat(expected).contains("scan_my_metric{executionID=" + finished + ",label_a=A,node=ok} 1.5",
                "scan_my_metric{executionID=" + running + ",label_a=B,node=ok} 7.0",
                "scan_processing{executionID=" + finished + ",node=bad} 1.0");

        // A new process: a fresh registry, the records replayed.
        PrometheusRegistry after = new PrometheusRegistry();
        ResultMetrics second = new ResultMetrics(CONFIG, after, "1");
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("ok", "bad", "late")).poolSize(3)
                .backend(InMemoryJobBackend.manual()).listener(second).build()) {
            assertThat(RecordedExecution.replay(new FileExecutionRecords(h.store), h.store, "scan", second)).isEqualTo(2);
            assertThat(series(after)).as("the same series as before the restart").isEqualTo(expected);

            // The running execution is resumed; its node reports again: its series are replaced, not added to.
            h.engine.activate();
            await().until(() -> h.backend.runningNodes(running).contains("ok")); // relaunched: this backend has no jobs to adopt
            report(h, running, "ok", result(8, "C"));
            await().untilAsserted(() -> assertThat(series(after)).contains("scan_my_metric{executionID=" + running + ",label_a=C,node=ok} 8.0")
                    .doesNotContain("scan_my_metric{executionID=" + running + ",label_a=B,node=ok} 7.0"));
        }
    }

    @Test
    void theReplayKeepsTheNewestResultsThatFitTheSeriesBudgetAndLeavesOutOlderOnes() throws Exception {
        ResultMetrics first = new ResultMetrics(CONFIG, new PrometheusRegistry(), "1");
        List<String> ids = new java.util.ArrayList<>();
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).poolSize(2)
                .backend(InMemoryJobBackend.manual()).listener(first).build()) {
            h.engine.activate();
            for (int e = 0; e < 3; e++) {
                String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
                ids.add(id);
                await().until(() -> h.backend.runningNodes(id).size() == 2);
                for (String node : List.of("a", "b")) {
                    StringBuilder json = new StringBuilder("{\"my_metric\":[");
                    for (int v = 0; v < 10; v++) {
                        json.append(v == 0 ? "" : ",").append("{\"value\":").append(v).append(",\"labels\":{\"label_a\":\"")
                                .append(id).append("-").append(node).append("-").append(v).append("\"}}");
                    }
                    report(h, id, node, json.append("]}").toString());
                    h.backend.end(id, node, JobEnd.succeeded());
                }
                await().until(() -> h.listener.finished.size() == ids.size());
                h.clock.advance(java.time.Duration.ofMinutes(1));
            }
        }
        assertThat(first.heldSeries()).as("3 executions x 2 nodes x (10 values + processing + duration)").isEqualTo(72);

        // A restart with room for 50 series: the newest execution (24) and the one before (24) fit; the oldest does not
        // (its two nodes' processing and duration series alone would make 52), so it is left out, reports kept on disk.
        ResultMetrics second = new ResultMetrics(CONFIG, new PrometheusRegistry(), "1");
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).build()) {
            assertThat(RecordedExecution.replay(new FileExecutionRecords(h.store), h.store, "scan", second, second, 50)).isEqualTo(2);
        }
        assertThat(second.heldSeries()).isLessThanOrEqualTo(50).isEqualTo(48);
        assertThat(second.heldSeriesOf(ids.get(2), "a")).as("the newest may be resumed: a new result replaces these").isEqualTo(10);
        assertThat(second.heldSeriesOf(ids.get(1), "a")).as("older ones are never replaced").isZero();
        assertThat(reports.resolve(ids.get(0)).resolve("a.json")).exists();
    }
}

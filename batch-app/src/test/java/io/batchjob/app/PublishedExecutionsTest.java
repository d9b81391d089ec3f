package io.batchjob.app;

import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.GaugeConfig;
import io.batchjob.core.config.MetricsConfig;
import io.batchjob.core.execution.FileExecutionRecords;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.result.ResultParser;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.batchjob.metrics.MetricsServer;
import io.batchjob.metrics.ResultMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A standby replica that becomes the leader publishes the executions the others ran meanwhile, and drops the pruned ones. */
class PublishedExecutionsTest {

    private static final ControllerConfig CONFIG = ControllerConfig.builder("scan")
            .metrics(new MetricsConfig("scan", Map.of("m", new GaugeConfig("m", List.of())), 9153)).build();

    @TempDir
    Path reports;

    @Test
    void aStandbyThatBecomesTheLeaderCatchesUpWithTheSharedReportDirectory() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        ResultMetrics standby = new ResultMetrics(CONFIG, registry, "1");
        try (EngineHarness leader = EngineHarness.builder(reports).nodes(List.of("a")).poolSize(1).history(2)
                .backend(InMemoryJobBackend.manual()).build()) {
            leader.engine.activate();
            String first = run(leader, 1);
            PublishedExecutions published = new PublishedExecutions(leader.store, new FileExecutionRecords(leader.store), "scan", standby);
            assertThat(published.replay(1_000_000)).as("at start-up").isEqualTo(1);

            String second = run(leader, 2);
            String third = run(leader, 3); // the first is pruned (history 2)

            assertThat(published.replay(1_000_000)).as("when it becomes the leader").isEqualTo(2);
            String metrics = scrape(registry);
            assertThat(metrics).contains("executionID=\"" + second + "\"").contains("executionID=\"" + third + "\"")
                    .doesNotContain("executionID=\"" + first + "\"");
            assertThat(published.replay(1_000_000)).as("nothing new").isZero();
        }
    }

    private static String run(EngineHarness h, double value) throws Exception {
        h.clock.advance(Duration.ofMinutes(1));
        String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
        await().until(() -> h.backend.running() == 1);
        byte[] json = ("{\"m\":[{\"value\":" + value + "}]}").getBytes(StandardCharsets.UTF_8);
        h.store.write(id, "a.json", json);
        h.engine.resultReceived(id, "a", ResultParser.parse(json, "scan"));
        h.backend.end(id, "a", JobEnd.succeeded());
        await().until(() -> h.engine.progress().isEmpty());
        return id;
    }

    private static String scrape(PrometheusRegistry registry) throws Exception {
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }
}

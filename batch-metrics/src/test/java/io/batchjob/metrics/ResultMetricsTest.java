package io.batchjob.metrics;

import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResultMetricsTest {

    private static final String TEMPLATE = "kind: Pod\nspec: {containers: [{name: a}]}";
    private static final String CONFIG = """
            name: scan
            cronExpression: "42 3 * * *"
            podPoolSize: 5
            reportHistory: 3
            metrics:
              prefix: scan
              gauges:
                my_metric:
                  help: my help
                  labels: [label_a, label_b]
                other:
                  help: other help
            """;
    private static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private ControllerConfig config(String extra) {
        return ConfigLoader.load(CONFIG + extra, TEMPLATE, "test").config();
    }

    private int serve() throws Exception {
        MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0);
        closeables.add(server);
        return server.port();
    }

    /** Three nodes: ok reports and succeeds, bad fails, silent never reports. */
    private static void scriptedExecution(ResultMetrics m, String id) {
        m.onExecutionStarted(new ExecutionStart(id, "schedule", T0, List.of("ok", "bad", "silent"), false));
        m.onResultReceived(id, "ok", new JobResult(Map.of(
                "my_metric", List.of(
                        new MetricValue(1.0, Map.of("label_a", "AAA", "label_b", "BBB")),
                        new MetricValue(2.5, Map.of("label_a", "A2", "unconfigured", "x"))),
                "not_configured", List.of(new MetricValue(9, Map.of())))));
        m.onJobEnded(id, new JobSummary("ok", JobOutcome.SUCCEEDED, T0, T0.plusMillis(1500), "", true));
        m.onJobEnded(id, new JobSummary("bad", JobOutcome.FAILED, T0, T0.plusMillis(700), "exit code 1", false));
        m.onJobEnded(id, new JobSummary("silent", JobOutcome.NO_REPORT, T0, T0.plusMillis(20), "no result", false));
        m.onExecutionFinished(new ExecutionSummary(id, "schedule", T0, T0.plusSeconds(2), false, List.of()));
    }

    @Test
    void publishesTheGoControllersSeriesExactly() throws Exception {
        ResultMetrics metrics = new ResultMetrics(config(""), registry, "1.2.3");
        scriptedExecution(metrics, "20261127080000");

        List<Scrape.Sample> samples = Scrape.scrape(serve());

        assertThat(Scrape.lines(samples, "scan_")).containsExactly(
                "scan_current_execution_id{} 2.026112708E13",
                "scan_duration{executionID=20261127080000,node=bad} 700.0",
                "scan_duration{executionID=20261127080000,node=ok} 1500.0",
                "scan_duration{executionID=20261127080000,node=silent} 20.0",
                "scan_my_metric{executionID=20261127080000,label_a=A2,label_b=,node=ok} 2.5",
                "scan_my_metric{executionID=20261127080000,label_a=AAA,label_b=BBB,node=ok} 1.0",
                "scan_pods{} 3.0",
                "scan_processing{executionID=20261127080000,node=bad} 1.0",
                "scan_processing{executionID=20261127080000,node=ok} 0.0",
                "scan_processing{executionID=20261127080000,node=silent} 1.0");
        assertThat(Scrape.lines(samples, "com_github_bakito_batch_job_controller")).containsExactly(
                "com_github_bakito_batch_job_controller{cron=42 3 * * *,name=scan,poolSize=5,prefix=scan,reportHistory=3,version=1.2.3} 1.0");
    }

    @Test
    void withLatestMetricsLabelEverySeriesIsAlsoPublishedAsLatest() throws Exception {
        ResultMetrics metrics = new ResultMetrics(config("latestMetricsLabel: true\n"), registry, "1.2.3");
        scriptedExecution(metrics, "20261127080000");
        metrics.onExecutionStarted(new ExecutionStart("20261127090000", "schedule", T0, List.of("ok"), false));
        metrics.onResultReceived("20261127090000", "ok", new JobResult(Map.of("my_metric",
                List.of(new MetricValue(7, Map.of("label_a", "AAA", "label_b", "BBB"))))));
        metrics.onJobEnded("20261127090000", new JobSummary("ok", JobOutcome.SUCCEEDED, T0, T0.plusMillis(100), "", true));

        List<Scrape.Sample> samples = Scrape.scrape(serve());

        assertThat(Scrape.lines(samples, "scan_")).containsExactlyInAnyOrder(
                "scan_current_execution_id{} 2.026112709E13",
                "scan_duration{executionID=20261127080000,node=bad} 700.0",
                "scan_duration{executionID=latest,node=bad} 700.0",
                "scan_duration{executionID=20261127080000,node=ok} 1500.0",
                "scan_duration{executionID=20261127090000,node=ok} 100.0",
                "scan_duration{executionID=latest,node=ok} 100.0",
                "scan_duration{executionID=20261127080000,node=silent} 20.0",
                "scan_duration{executionID=latest,node=silent} 20.0",
                "scan_my_metric{executionID=20261127080000,label_a=A2,label_b=,node=ok} 2.5",
                "scan_my_metric{executionID=latest,label_a=A2,label_b=,node=ok} 2.5",
                "scan_my_metric{executionID=20261127080000,label_a=AAA,label_b=BBB,node=ok} 1.0",
                "scan_my_metric{executionID=20261127090000,label_a=AAA,label_b=BBB,node=ok} 7.0",
                "scan_my_metric{executionID=latest,label_a=AAA,label_b=BBB,node=ok} 7.0",
                "scan_pods{} 1.0",
                "scan_processing{executionID=20261127080000,node=bad} 1.0",
                "scan_processing{executionID=latest,node=bad} 1.0",
                "scan_processing{executionID=20261127080000,node=ok} 0.0",
                "scan_processing{executionID=20261127090000,node=ok} 0.0",
                "scan_processing{executionID=latest,node=ok} 0.0",
                "scan_processing{executionID=20261127080000,node=silent} 1.0",
                "scan_processing{executionID=latest,node=silent} 1.0");
    }

    /** As the Go controller: a replaced job has no duration and no processing series; a result it sent still counts. */
    @Test
    void replacedJobsLeaveNoProcessingAndNoDurationSeries() throws Exception {
        ResultMetrics metrics = new ResultMetrics(config("latestMetricsLabel: true\n"), registry, "1.2.3");
        String id = "20261127090000";
        metrics.onExecutionStarted(new ExecutionStart(id, "schedule", T0, List.of("ok", "reported", "late", "never"), false));
        metrics.onResultReceived(id, "ok", new JobResult(Map.of()));
        metrics.onJobEnded(id, new JobSummary("ok", JobOutcome.SUCCEEDED, T0, T0.plusMillis(100), "", true));
        metrics.onResultReceived(id, "reported", new JobResult(Map.of()));
        String why = "replaced by a new execution (schedule) before it ended";
        metrics.onJobEnded(id, new JobSummary("reported", JobOutcome.REPLACED, T0, T0.plusMillis(300), why, true));
        metrics.onJobEnded(id, new JobSummary("late", JobOutcome.REPLACED, T0, T0.plusMillis(200), why, false));
        metrics.onJobEnded(id, new JobSummary("never", JobOutcome.REPLACED, T0, T0, why, false));

        List<Scrape.Sample> samples = Scrape.scrape(serve());

        assertThat(Scrape.lines(samples, "scan_duration")).containsExactlyInAnyOrder(
                "scan_duration{executionID=20261127090000,node=ok} 100.0",
                "scan_duration{executionID=latest,node=ok} 100.0");
        assertThat(Scrape.lines(samples, "scan_processing")).containsExactlyInAnyOrder(
                "scan_processing{executionID=20261127090000,node=ok} 0.0",
                "scan_processing{executionID=latest,node=ok} 0.0",
                "scan_processing{executionID=20261127090000,node=reported} 0.0",
                "scan_processing{executionID=latest,node=reported} 0.0");
    }

    @Test
    void aNodesNewResultReplacesTheSeriesOfItsPreviousOneInsteadOfPilingUp() throws Exception {
        ResultMetrics metrics = new ResultMetrics(config("latestMetricsLabel: true\n"), registry, "1.2.3");
        metrics.onExecutionStarted(new ExecutionStart("20261127090000", "schedule", T0, List.of("ok", "other"), false));
        List<MetricValue> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(new MetricValue(i, Map.of("label_a", "a" + i, "label_b", "b")));
        }
        metrics.onResultReceived("20261127090000", "ok", new JobResult(Map.of("my_metric", many)));
        metrics.onResultReceived("20261127090000", "other", new JobResult(Map.of("my_metric",
                List.of(new MetricValue(5, Map.of("label_a", "x", "label_b", "y"))))));

        metrics.onResultReceived("20261127090000", "ok", new JobResult(Map.of("my_metric",
                List.of(new MetricValue(3, Map.of("label_a", "a7", "label_b", "b"))))));

        assertThat(Scrape.lines(Scrape.scrape(serve()), "scan_my_metric")).containsExactlyInAnyOrder(
                "scan_my_metric{executionID=20261127090000,label_a=a7,label_b=b,node=ok} 3.0",
                "scan_my_metric{executionID=latest,label_a=a7,label_b=b,node=ok} 3.0",
                "scan_my_metric{executionID=20261127090000,label_a=x,label_b=y,node=other} 5.0",
                "scan_my_metric{executionID=latest,label_a=x,label_b=y,node=other} 5.0");
    }

    @Test
    void pruningRemovesExactlyThePrunedExecutionsSeries() throws Exception {
        ResultMetrics metrics = new ResultMetrics(config("latestMetricsLabel: true\n"), registry, "1.2.3");
        scriptedExecution(metrics, "20261127080000");
        scriptedExecution(metrics, "20261127090000");
        int port = serve();
        List<String> before = Scrape.lines(Scrape.scrape(port), "scan_");

        metrics.onExecutionPruned("20261127080000");

        List<String> after = Scrape.lines(Scrape.scrape(port), "scan_");
        assertThat(after).noneMatch(l -> l.contains("20261127080000"));
        assertThat(before).filteredOn(l -> !l.contains("20261127080000")).containsExactlyElementsOf(after);
        assertThat(before.size() - after.size()).isEqualTo(8); // 3 processing + 3 duration + 2 my_metric
    }

    @Test
    void aConfiguredGaugeThatCollidesWithAnExistingMetricFailsAtStartUpWithAClearMessage() {
        new ControllerMetrics(registry, () -> 0);
        ControllerConfig colliding = ConfigLoader.load("""
                name: scan
                metrics:
                  prefix: batch_job_controller
                  gauges:
                    jobs_in_flight: {help: oops}
                """, TEMPLATE, "test").config();

        assertThatThrownBy(() -> new ResultMetrics(colliding, registry, "1"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("key 'metrics.gauges.jobs_in_flight': the metric batch_job_controller_jobs_in_flight collides");
    }

    @Test
    void reservedSuffixesAndInvalidNamesFailAtStartUp() {
        assertThatThrownBy(() -> ConfigLoader.load("name: a\nmetrics: {gauges: {duration: {}}}", TEMPLATE, "ConfigMap 'ns/cm'"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("key 'metrics.gauges.duration': the suffix 'duration' is reserved");
        assertThatThrownBy(() -> ConfigLoader.load("name: a\nmetrics: {gauges: {\"a.b\": {}}}", TEMPLATE, "ConfigMap 'ns/cm'"))
                .hasMessageContaining("name 'a.b' is not a valid metric name suffix");
    }

    @Test
    void servesOpenMetricsWhenAskedAndGzipWhenAccepted() throws Exception {
        new ResultMetrics(config(""), registry, "1.2.3");
        int port = serve();
        HttpClient client = HttpClient.newHttpClient();

        HttpResponse<String> om = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0").build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<byte[]> gz = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<String> text = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(om.headers().firstValue("Content-Type")).get().asString().startsWith("application/openmetrics-text");
        assertThat(om.body()).endsWith("# EOF\n");
        assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
        String unzipped = new String(new GZIPInputStream(new java.io.ByteArrayInputStream(gz.body())).readAllBytes());
        assertThat(unzipped).contains("scan_pods");
        assertThat(text.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain; version=0.0.4");
    }
}

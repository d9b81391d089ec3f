package io.batchjob.metrics;

import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionStart;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Gauges of a reloaded config: added, changed, removed; a collision refuses the whole change. */
class ResultMetricsReloadTest {

    private static ControllerConfig config(String gauges) {
        return ConfigLoader.load("name: scan\npodPoolSize: 3\nmetrics:\n  prefix: scan\n  gauges:\n" + gauges,
                "kind: Pod\nspec: {containers: [{name: a}]}", "test").config();
    }

    private static List<String> scrape(PrometheusRegistry registry) throws Exception {
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            return Scrape.lines(Scrape.scrape(server.port()), "scan_");
        }
    }

    private static JobResult result(String suffix, double value, Map<String, String> labels) {
        return new JobResult(Map.of(suffix, List.of(new MetricValue(value, labels))));
    }

    @Test
    void addedChangedAndRemovedGaugesApplyAndACollisionChangesNothing() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        ResultMetrics metrics = new ResultMetrics(config("    kept: {labels: [a]}\n    dropped: {}\n    relabelled: {labels: [x]}\n"),
                registry, "1");
        metrics.onExecutionStarted(new ExecutionStart("1", "test", Instant.EPOCH, List.of("n"), false));
        metrics.onResultReceived("1", "n", result("kept", 1, Map.of("a", "A")));
        metrics.onResultReceived("1", "n", result("dropped", 2, Map.of()));

        metrics.reconfigure(config("    kept: {labels: [a]}\n    relabelled: {labels: [y]}\n    added: {labels: [b]}\n"));
        metrics.onResultReceived("1", "n", new JobResult(Map.of(
                "relabelled", List.of(new MetricValue(3, Map.of("y", "Y"))),
                "added", List.of(new MetricValue(4, Map.of("b", "B"))),
                "dropped", List.of(new MetricValue(5, Map.of())))));
        List<String> lines = scrape(registry);
        // Added and removed at once; the relabelled gauge keeps its labels until the next execution starts.
        assertThat(lines).contains("scan_relabelled{executionID=1,node=n,x=} 3.0", "scan_added{b=B,executionID=1,node=n} 4.0")
                .noneMatch(l -> l.startsWith("scan_dropped"));
        assertThat(registry.scrape().stream().map(s -> s.getMetadata().getPrometheusName()))
                .contains("com_github_bakito_batch_job_controller");

        // A gauge colliding with another metric in the registry: refused, the gauges stay as they were.
        Gauge.builder().name("scan_taken").help("someone else's").register(registry);
        assertThatThrownBy(() -> metrics.reconfigure(config("    kept: {labels: [a]}\n    taken: {}\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scan_taken");
        metrics.onResultReceived("1", "n", result("added", 6, Map.of("b", "B")));
        assertThat(scrape(registry)).contains("scan_added{b=B,executionID=1,node=n} 6.0");

        // The next execution: the relabelled gauge takes its new label; the first execution's series stay.
        metrics.onExecutionStarted(new ExecutionStart("2", "test", Instant.EPOCH, List.of("n"), false));
        metrics.onResultReceived("2", "n", result("relabelled", 7, Map.of("y", "Y2")));
        assertThat(scrape(registry)).contains("scan_relabelled{executionID=2,node=n,y=Y2} 7.0", "scan_added{b=B,executionID=1,node=n} 6.0");
    }

    /** Live reload of a gauge's help or labels never removes kept series, and applies from the next execution only. */
    @Test
    void aHelpOrLabelChangeKeepsEveryKeptSeriesAndAppliesFromTheNextExecution() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        ResultMetrics metrics = new ResultMetrics(config("    checks: {help: old help, labels: [a, b]}\n"), registry, "1");
        for (String id : List.of("1", "2", "3", "4", "5")) {
            metrics.onExecutionStarted(new ExecutionStart(id, "test", Instant.EPOCH, List.of("n"), false));
            metrics.onResultReceived(id, "n", result("checks", Double.parseDouble(id), Map.of("a", "A" + id, "b", "B")));
        }
        assertThat(scrape(registry)).filteredOn(l -> l.startsWith("scan_checks{")).hasSize(5);

        // The help text only: the 5 series stay, and the new help shows from the next execution.
        metrics.reconfigure(config("    checks: {help: new help, labels: [a, b]}\n"));
        assertThat(scrape(registry)).filteredOn(l -> l.startsWith("scan_checks{")).hasSize(5);
        metrics.onResultReceived("5", "n", result("checks", 50, Map.of("a", "A5", "b", "B")));
        metrics.onExecutionStarted(new ExecutionStart("6", "test", Instant.EPOCH, List.of("n"), false));
        assertThat(scrape(registry)).filteredOn(l -> l.startsWith("scan_checks{")).hasSize(5)
                .contains("scan_checks{a=A5,b=B,executionID=5,node=n} 50.0");
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            String text = new String(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body());
            assertThat(text).contains("# HELP scan_checks new help");
        }

        // A label added and one removed: the running execution (6) still publishes as it started; the kept series stay.
        metrics.reconfigure(config("    checks: {help: new help, labels: [a, c]}\n"));
        metrics.onResultReceived("6", "n", result("checks", 6, Map.of("a", "A6", "b", "B", "c", "C")));
        assertThat(scrape(registry)).contains("scan_checks{a=A6,b=B,executionID=6,node=n} 6.0")
                .filteredOn(l -> l.startsWith("scan_checks{")).hasSize(6);
        metrics.onExecutionStarted(new ExecutionStart("7", "test", Instant.EPOCH, List.of("n"), false));
        metrics.onResultReceived("7", "n", result("checks", 7, Map.of("a", "A7", "b", "B", "c", "C")));
        List<String> lines = scrape(registry);
        assertThat(lines).filteredOn(l -> l.startsWith("scan_checks{")).hasSize(7)
                .contains("scan_checks{a=A1,c=,executionID=1,node=n} 1.0", "scan_checks{a=A6,c=,executionID=6,node=n} 6.0",
                        "scan_checks{a=A7,c=C,executionID=7,node=n} 7.0");
        // Reverting before the next execution is no change at all.
        metrics.reconfigure(config("    checks: {help: other, labels: [z]}\n"));
        metrics.reconfigure(config("    checks: {help: new help, labels: [a, c]}\n"));
        metrics.onExecutionStarted(new ExecutionStart("8", "test", Instant.EPOCH, List.of("n"), false));
        assertThat(scrape(registry)).filteredOn(l -> l.startsWith("scan_checks{")).hasSize(7);
    }
}

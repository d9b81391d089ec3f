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
        assertThat(lines).contains("scan_relabelled{executionID=1,node=n,y=Y} 3.0", "scan_added{b=B,executionID=1,node=n} 4.0")
                .noneMatch(l -> l.startsWith("scan_dropped"));
        assertThat(registry.scrape().stream().map(s -> s.getMetadata().getPrometheusName()))
                .contains("com_github_bakito_batch_job_controller");

        // A gauge colliding with another metric in the registry: refused, the gauges stay as they were.
        Gauge.builder().name("scan_taken").help("someone else's").register(registry);
        assertThatThrownBy(() -> metrics.reconfigure(config("    kept: {labels: [a]}\n    taken: {}\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scan_taken");
        metrics.onResultReceived("1", "n", result("added", 6, Map.of("b", "B")));
        assertThat(scrape(registry)).contains("scan_added{b=B,executionID=1,node=n} 6.0");
    }
}

package io.batchjob.metrics;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.ExecutionProgress;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.ResultParser;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The metrics listeners fed by a real engine on the in-memory backend, scraped over HTTP. */
class EngineMetricsIT {

    @TempDir
    Path reports;

    @Test
    void aRealExecutionShowsUpInMetrics() throws Exception {
        ControllerConfig config = ConfigLoader.load("""
                name: scan
                podPoolSize: 2
                metrics:
                  prefix: scan
                  gauges:
                    my_metric: {help: h, labels: [label_a]}
                """, "kind: Pod\nspec: {containers: [{name: a}]}", "test").config();
        AtomicReference<ExecutionEngine> engine = new AtomicReference<>();
        InMemoryJobBackend backend = new InMemoryJobBackend(request -> switch (request.node()) {
            case "fails" -> Optional.of(JobEnd.failed("exit code 1"));
            case "silent" -> Optional.of(JobEnd.succeeded());
            default -> {
                engine.get().resultReceived(request.executionId(), request.node(), ResultParser.parse(
                        "{\"my_metric\":[{\"value\":42,\"labels\":{\"label_a\":\"x\"}}]}".getBytes(StandardCharsets.UTF_8), "scan"));
                yield Optional.of(JobEnd.succeeded());
            }
        });
        PrometheusRegistry registry = new PrometheusRegistry();
        ResultMetrics results = new ResultMetrics(config, registry, "test");
        ControllerMetrics controller = new ControllerMetrics(registry,
                () -> engine.get().progress().map(ExecutionProgress::running).orElse(0));
        engine.set(ExecutionEngine.builder().config(config).nodeSource(() -> List.of("reports", "fails", "silent"))
                .backend(backend).reportStore(new ReportStore(reports))
                .jobEnvironment(new JobEnvironment("ns", new CallbackEndpoint("127.0.0.1", 8090), CallbackAuth.TOKEN, List.of()))
                .listener(results).listener(controller).build());
        try (backend; ExecutionEngine e = engine.get(); MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            e.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) e.trigger("manual");
            s.completion().get(20, TimeUnit.SECONDS);

            List<String> lines = Scrape.lines(Scrape.scrape(server.port()), "scan_");
            String id = s.executionId();
            assertThat(lines).contains(
                    "scan_my_metric{executionID=" + id + ",label_a=x,node=reports} 42.0",
                    "scan_processing{executionID=" + id + ",node=reports} 0.0",
                    "scan_processing{executionID=" + id + ",node=fails} 1.0",
                    "scan_processing{executionID=" + id + ",node=silent} 1.0",
                    "scan_pods{} 3.0",
                    "scan_current_execution_id{} " + Double.parseDouble(id));
            assertThat(Scrape.lines(Scrape.scrape(server.port()), "batch_job_controller_executions_total"))
                    .contains("batch_job_controller_executions_total{result=problems} 1.0");
        }
    }
}

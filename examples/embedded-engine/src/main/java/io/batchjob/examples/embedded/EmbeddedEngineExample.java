package io.batchjob.examples.embedded;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.execution.StaticNodeSource;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobSummary;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The minimum an embedder writes: a config, a node source, a backend, a listener; then trigger
 * executions from code. Here the "nodes" are three hosts, a job measures something in-process and
 * reports it as a result, and the summary is printed as a table.
 *
 * <p>Run: {@code mvn -q -pl examples/embedded-engine -am install -DskipTests && mvn -q -f examples/embedded-engine exec:java}
 */
public final class EmbeddedEngineExample {

    private EmbeddedEngineExample() {
    }

    public static void main(String[] args) throws Exception {
        Path reports = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("embedded-reports");
        ExecutionSummary summary = run(reports, List.of("host-a", "host-b", "host-c"), System.out);
        System.exit(summary.allSucceeded() ? 0 : 1);
    }

    /** Runs one execution over the given hosts and prints its summary. */
    public static ExecutionSummary run(Path reports, List<String> hosts, PrintStream out) throws Exception {
        ControllerConfig config = ControllerConfig.builder("embedded")
                .podPoolSize(2)
                .jobTimeout(Duration.ofMinutes(1))
                .cronExpression("")
                .reportDirectory(reports)
                .build();

        AtomicReference<ExecutionEngine> engine = new AtomicReference<>();
        // A job: do the work, report the result to the engine, end.
        try (InProcessBackend backend = new InProcessBackend(job -> {
            double load = job.node().length() * 1.5; // the "measurement"
            engine.get().resultReceived(job.executionId(), job.node(),
                    new JobResult(Map.of("load", List.of(new MetricValue(load, Map.of("host", job.node()))))));
            return JobEnd.succeeded();
        })) {
            engine.set(ExecutionEngine.builder()
                    .config(config)
                    .nodeSource(new StaticNodeSource(hosts))
                    .backend(backend)
                    .reportStore(new ReportStore(config.reportDirectory()))
                    .jobEnvironment(new JobEnvironment("embedded", new CallbackEndpoint("127.0.0.1", 8090), CallbackAuth.NONE, List.of()))
                    .listener(new ExecutionListener() {
                        @Override
                        public void onJobEnded(String executionId, JobSummary job) {
                            out.printf("  %s ended: %s%n", job.node(), job.outcome());
                        }
                    })
                    .build());
            try (ExecutionEngine e = engine.get()) {
                e.activate();
                TriggerOutcome outcome = e.trigger("manual");
                if (!(outcome instanceof TriggerOutcome.Started started)) {
                    throw new IllegalStateException("no execution started: " + outcome);
                }
                ExecutionSummary summary = started.completion().get(2, TimeUnit.MINUTES);
                print(summary, out);
                return summary;
            }
        }
    }

    static void print(ExecutionSummary summary, PrintStream out) {
        out.printf("execution %s: %d jobs in %d ms%n", summary.executionId(), summary.jobs().size(), summary.durationMillis());
        out.printf("%-10s %-10s %8s  %s%n", "NODE", "OUTCOME", "MS", "REASON");
        for (JobSummary j : summary.jobs()) {
            out.printf("%-10s %-10s %8d  %s%n", j.node(), j.outcome(), j.durationMillis(), j.reason());
        }
    }
}

package io.batchjob.examples.minimal;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.execution.StaticNodeSource;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEndListener;
import io.batchjob.core.spi.JobRequest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** The embedding guide's complete program (docs/embedding.md): one execution over three hosts, jobs run in-process. */
public final class MinimalEmbedding {

    public static ExecutionSummary run(Path reports) throws Exception {
        // config.yaml without a pod template: this backend has no pods.
        ControllerConfig config = ConfigLoader.loadConfig("name: hosts\npodPoolSize: 2\ncronExpression: \"\"\nreportDirectory: "
                + reports + "\n", "inline config");
        AtomicReference<ExecutionEngine> engine = new AtomicReference<>();
        JobBackend backend = new JobBackend() {
            @Override
            public void launch(JobRequest job, JobEndListener done) { // on a dispatch thread: start the work, return
                CompletableFuture.runAsync(() -> {
                    double value = job.node().length(); // the work
                    // The result first: a job that ends before its result arrives counts as NO_REPORT.
                    engine.get().resultReceived(job.executionId(), job.node(),
                            new JobResult(Map.of("name_length", List.of(new MetricValue(value, Map.of())))));
                    done.jobEnded(JobEnd.succeeded());
                }).exceptionally(e -> { done.jobEnded(JobEnd.failed(e.toString())); return null; });
            }
            @Override public void adopt(ExistingJob job, JobEndListener done) { done.jobEnded(JobEnd.failed("lost with the process")); }
            @Override public List<ExistingJob> existingJobs() { return List.of(); }
            @Override public void stop(String executionId, String node) { }
            @Override public void deleteJobsExcept(String executionId) { }
        };
        try (ExecutionEngine e = ExecutionEngine.builder().config(config).nodeSource(new StaticNodeSource(List.of("alpha", "beta", "gamma")))
                .backend(backend).reportStore(new ReportStore(config.reportDirectory()))
                .jobEnvironment(new JobEnvironment("default", new CallbackEndpoint("127.0.0.1", 8090), CallbackAuth.NONE, List.of()))
                .build()) {
            engine.set(e);
            e.activate(); // this process may dispatch (no leader election here)
            return ((TriggerOutcome.Started) e.trigger("manual")).completion().get(1, TimeUnit.MINUTES);
        }
    }

    public static void main(String[] args) throws Exception {
        ExecutionSummary summary = run(java.nio.file.Files.createTempDirectory("reports"));
        summary.jobs().forEach(j -> System.out.println(j.node() + " " + j.outcome()));
        System.exit(summary.allSucceeded() ? 0 : 1);
    }
}

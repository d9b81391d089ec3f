package io.batchjob.core.execution;

import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.InMemoryJobBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Rebuilding an unfinished execution from its records and the backend's jobs. */
class ResumptionTest {

    @TempDir
    Path reports;

    @Test
    void endedJobsKeepTheirOutcomeRunningOnesAreAdoptedAndTheRestWait() throws Exception {
        InMemoryJobBackend backend = InMemoryJobBackend.manual();
        try (RunParts parts = new RunParts(reports, backend)) {
            // Execution 1 ran: a ended, b runs (and reported), c and d run, e never started; "e.json" was written by someone else.
            ExecutionRun first = new ExecutionRun(parts.execution("1", List.of("a", "b", "c", "d", "e")), new RunContext.Settings(3, null),
                    parts.context, r -> { });
            first.advance();
            await().until(() -> backend.running() == 3);
            backend.end("1", "a", io.batchjob.core.spi.JobEnd.failed("exit 1"));
            await().until(() -> parts.store.readLines("1", ExecutionEngine.JOURNAL_FILE).size() == 1 && backend.runningNodes("1").contains("d"));
            first.resultAccepted("b", () -> { });
            await().until(() -> parts.store.readLines("1", ExecutionEngine.RESULTS_FILE).size() == 1);
            first.stopTracking(); // the controller goes away; the jobs stay
            backend.detachListeners();
            parts.store.write("1", "e.json", "{}".getBytes());

            assertThat(Resumption.unfinished(parts.records)).contains("1");
            Resumption.Resumed resumed = Resumption.rebuild("1", parts.context, new RunContext.Settings(3, null), r -> { }).orElseThrow();
            Execution ex = resumed.run().ex;
            assertThat(ex.resumed).isTrue();
            assertThat(ex.jobs.get("a").state).isEqualTo(JobState.ENDED);
            assertThat(ex.jobs.get("a").outcome).isEqualTo(JobOutcome.FAILED);
            assertThat(ex.jobs.get("b").state).isEqualTo(JobState.RUNNING);
            assertThat(ex.jobs.get("b").reported).isTrue();
            assertThat(ex.jobs.get("c").reported).isFalse();
            assertThat(ex.jobs.get("b").secret).as("the adopted job keeps its secret").isEqualTo(backend.request("1", "b").orElseThrow().callbackSecret());
            assertThat(ex.pending).extracting(j -> j.node).containsExactly("e");
            assertThat(ex.jobs.get("e").reported).as("reported comes from the records, not from e.json").isFalse();
            assertThat(resumed.adopted().keySet()).extracting(j -> j.node).containsExactlyInAnyOrder("b", "c", "d");

            resumed.run().begin(List.of(), resumed.adopted(), resumed.waiting(), resumed.now());
            backend.end("1", "b", io.batchjob.core.spi.JobEnd.succeeded()); // frees a slot of the pool of 3 for e
            await().until(() -> backend.runningNodes("1").contains("e"));
            for (String n : List.of("c", "d", "e")) {
                backend.end("1", n, io.batchjob.core.spi.JobEnd.succeeded());
            }
            List<JobSummary> jobs = resumed.run().ex.completion.get(10, java.util.concurrent.TimeUnit.SECONDS).jobs();
            assertThat(jobs).extracting(JobSummary::outcome)
                    .containsExactly(JobOutcome.FAILED, JobOutcome.SUCCEEDED, JobOutcome.NO_REPORT, JobOutcome.NO_REPORT, JobOutcome.NO_REPORT);
            assertThat(Resumption.unfinished(parts.records)).isEmpty();
        }
    }

    @Test
    void anExecutionWithoutAPlanIsNotResumed() throws Exception {
        try (RunParts parts = new RunParts(reports, InMemoryJobBackend.manual())) {
            parts.store.createExecution("7");
            assertThat(Resumption.unfinished(parts.records)).as("only recorded executions are candidates").isEmpty();
            assertThat(Resumption.rebuild("7", parts.context, new RunContext.Settings(1, null), r -> { })).isEmpty();
        }
    }
}

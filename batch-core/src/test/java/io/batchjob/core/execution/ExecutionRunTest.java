package io.batchjob.core.execution;

import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.InMemoryJobBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** One execution's run on its own: pool, ends, timeouts, replacement, hand-over, callbacks. */
class ExecutionRunTest {

    @TempDir
    Path reports;

    private static final List<String> NODES = List.of("a", "b", "c", "d", "e");

    @Test
    void runsWithinItsPoolSizeAndFinishesWithTheOutcomesOfItsJobs() throws Exception {
        List<ExecutionRun> finished = new CopyOnWriteArrayList<>();
        try (RunParts parts = new RunParts(reports, InMemoryJobBackend.manual())) {
            ExecutionRun run = new ExecutionRun(parts.execution("1", NODES), new RunContext.Settings(2, null), parts.context, finished::add);
            run.advance();
            await().until(() -> parts.backend.running() == 2);
            assertThat(run.progress().pending()).isEqualTo(3);

            run.resultAccepted("a", () -> { });
            parts.backend.end("1", "a", JobEnd.succeeded());
            parts.backend.end("1", "b", JobEnd.failed("exit code 2"));
            await().until(() -> parts.backend.running() == 2 && parts.backend.runningNodes("1").containsAll(List.of("c", "d")));
            for (String n : List.of("c", "d")) {
                parts.backend.end("1", n, JobEnd.succeeded()); // without a result
            }
            await().until(() -> parts.backend.runningNodes("1").contains("e"));
            parts.backend.end("1", "e", JobEnd.succeeded());

            ExecutionSummary summary = run.ex.completion.get(10, TimeUnit.SECONDS);
            assertThat(summary.jobs()).extracting(JobSummary::node, JobSummary::outcome).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("a", JobOutcome.SUCCEEDED), org.assertj.core.groups.Tuple.tuple("b", JobOutcome.FAILED),
                    org.assertj.core.groups.Tuple.tuple("c", JobOutcome.NO_REPORT), org.assertj.core.groups.Tuple.tuple("d", JobOutcome.NO_REPORT),
                    org.assertj.core.groups.Tuple.tuple("e", JobOutcome.NO_REPORT));
            assertThat(parts.backend.peakRunning()).isEqualTo(2);
            assertThat(finished).containsExactly(run);
            assertThat(parts.store.readLines("1", ExecutionEngine.JOURNAL_FILE)).hasSize(5);
            assertThat(parts.store.hasFile("1", ExecutionEngine.SUMMARY_FILE)).isTrue();
        }
    }

    @Test
    void aJobThatOutlivesItsTimeoutEndsTimedOutAndKeepsItsSlotUntilStopped() throws Exception {
        try (RunParts parts = new RunParts(reports, InMemoryJobBackend.manual())) {
            ExecutionRun run = new ExecutionRun(parts.execution("1", List.of("a", "b")), new RunContext.Settings(1, Duration.ofMinutes(5)),
                    parts.context, r -> { });
            run.advance();
            await().until(() -> parts.backend.running() == 1);
            parts.timer.advance(Duration.ofMinutes(5));
            await().until(() -> parts.backend.runningNodes("1").contains("b"));
            assertThat(parts.backend.peakRunning()).isEqualTo(1);
            parts.timer.advance(Duration.ofMinutes(5));
            ExecutionSummary summary = run.ex.completion.get(10, TimeUnit.SECONDS);
            assertThat(summary.counts().get(JobOutcome.TIMED_OUT)).isEqualTo(2);
            assertThat(summary.jobs().get(0).reason()).isEqualTo("the job ran longer than jobTimeout 5m0s");
        }
    }

    @Test
    void aReplacedRunEndsWhatIsUnfinishedAsReplacedAndAHandedOverOneNoLongerAcceptsCallbacks() throws Exception {
        try (RunParts parts = new RunParts(reports, InMemoryJobBackend.manual())) {
            ExecutionRun run = new ExecutionRun(parts.execution("1", List.of("a", "b", "c")), new RunContext.Settings(1, null),
                    parts.context, r -> { });
            run.advance();
            await().until(() -> parts.backend.running() == 1);
            run.replace("manual");
            ExecutionSummary summary = run.ex.completion.get(10, TimeUnit.SECONDS);
            assertThat(summary.counts().get(JobOutcome.REPLACED)).isEqualTo(3);
            assertThat(summary.jobs()).allSatisfy(j -> assertThat(j.reason()).isEqualTo("replaced by a new execution (manual) before it ended"));

            ExecutionRun other = new ExecutionRun(parts.execution("2", List.of("a")), new RunContext.Settings(1, null), parts.context, r -> { });
            other.advance();
            await().until(() -> parts.backend.runningNodes("2").contains("a"));
            assertThat(other.liveSecret("a")).isPresent();
            other.stopTracking();
            assertThatThrownBy(() -> other.requireAcceptsCallbacks("a")).isInstanceOf(UnknownJobException.class).hasMessageContaining("finished");
            assertThat(other.ex.completion).isCompletedExceptionally();
        }
    }

    @Test
    void callbacksAreAcceptedOnlyFromStartedJobsAndALateResultTurnsNoReportIntoSucceeded() throws Exception {
        List<String> delivered = new CopyOnWriteArrayList<>();
        try (RunParts parts = new RunParts(reports, InMemoryJobBackend.manual())) {
            ExecutionRun run = new ExecutionRun(parts.execution("1", List.of("a", "b")), new RunContext.Settings(1, null), parts.context, r -> { });
            run.advance();
            await().until(() -> parts.backend.runningNodes("1").contains("a"));
            assertThatThrownBy(() -> run.requireAcceptsCallbacks("b")).hasMessageContaining("has not started yet");
            assertThatThrownBy(() -> run.requireAcceptsCallbacks("x")).hasMessageContaining("not part of execution 1");
            assertThat(run.liveSecret("b")).isEmpty();

            parts.backend.end("1", "a", JobEnd.succeeded());
            await().until(() -> parts.listener.jobEnds.size() == 1);
            assertThat(parts.listener.jobEnds.get(0).outcome()).isEqualTo(JobOutcome.NO_REPORT);
            run.resultAccepted("a", () -> delivered.add("a"));
            await().until(() -> parts.listener.jobEnds.size() == 2);
            assertThat(parts.listener.jobEnds.get(1).outcome()).isEqualTo(JobOutcome.SUCCEEDED);
            assertThat(delivered).containsExactly("a");
            assertThat(parts.store.readLines("1", ExecutionEngine.RESULTS_FILE)).containsExactly("a");
            assertThat(run.nodeOwningFile("a-report.txt")).contains("a");
            assertThat(run.nodeOwningFile("zzz.txt")).isEmpty();
        }
    }

    @Test
    void theNodeOwningAFileIsTheLongestNodeItsNameStartsWith() throws Exception {
        try (RunParts parts = new RunParts(reports, InMemoryJobBackend.manual())) {
            ExecutionRun run = new ExecutionRun(parts.execution("1", List.of("a", "a-b", "node.x", "x-y.json", "x")),
                    new RunContext.Settings(1, null), parts.context, r -> { });

            assertThat(run.nodeOwningFile("a-b.json")).contains("a-b");
            assertThat(run.nodeOwningFile("a-b-c.txt")).contains("a-b");
            assertThat(run.nodeOwningFile("a-x.txt")).contains("a");
            assertThat(run.nodeOwningFile("a.json")).contains("a");
            assertThat(run.nodeOwningFile("a-c.json")).contains("a");
            assertThat(run.nodeOwningFile("node.x-container-job.log")).contains("node.x");
            assertThat(run.nodeOwningFile("x-y.json.json")).contains("x-y.json");
            assertThat(run.nodeOwningFile("x-y.json-notes")).contains("x-y.json");
            assertThat(run.nodeOwningFile("x-z")).contains("x");
            assertThat(run.nodeOwningFile("b-a.txt")).isEmpty();
            assertThat(run.nodeOwningFile("-a.txt")).isEmpty();
            assertThat(run.nodeOwningFile("a")).isEmpty();
            assertThat(run.nodeOwningFile("ab-c.txt")).isEmpty();
        }
    }
}

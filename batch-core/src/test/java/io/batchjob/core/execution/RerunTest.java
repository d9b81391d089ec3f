package io.batchjob.core.execution;

import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Re-running the nodes of an execution that did not succeed. */
class RerunTest {

    private static final JobResult RESULT = new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of()))));

    @TempDir
    Path reports;

    @Test
    void aRerunOfAnExecutionWithEveryOutcomeRunsTheNodesThatDidNotSucceedAndAreStillThere() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b", "c", "d", "e", "f")).poolSize(4)
                .jobTimeout(Duration.ofMinutes(5)).backend(InMemoryJobBackend.manual()).build()) {
            h.engine.activate();
            TriggerOutcome.Started first = (TriggerOutcome.Started) h.engine.trigger("schedule");
            String id = first.executionId();
            await().until(() -> h.backend.runningNodes(id).size() == 4);
            h.clock.advance(Duration.ofMinutes(1)); // e and f start a minute after d
            h.engine.resultReceived(id, "a", RESULT);
            h.backend.end(id, "a", JobEnd.succeeded());           // succeeded
            h.backend.end(id, "b", JobEnd.failed("exit code 1")); // failed
            h.backend.end(id, "c", JobEnd.succeeded());           // no report
            await().until(() -> h.backend.runningNodes(id).containsAll(List.of("d", "e", "f")));
            h.timer.advance(Duration.ofMinutes(4));               // d times out; e and f have a minute left
            await().until(() -> h.listener.jobEnds.size() == 4);
            h.clock.advance(Duration.ofMinutes(1));
            TriggerOutcome.Started second = (TriggerOutcome.Started) h.engine.trigger("schedule"); // e and f: replaced
            ExecutionSummary firstSummary = first.completion().get(10, TimeUnit.SECONDS);
            assertThat(firstSummary.jobs()).extracting(JobSummary::outcome).containsExactly(JobOutcome.SUCCEEDED, JobOutcome.FAILED,
                    JobOutcome.NO_REPORT, JobOutcome.TIMED_OUT, JobOutcome.REPLACED, JobOutcome.REPLACED);

            h.nodes.remove("f"); // no longer Ready or selected
            h.clock.advance(Duration.ofMinutes(1));
            TriggerOutcome rerun = h.engine.rerun(id, "rerun=" + id);
            assertThat(rerun).isInstanceOf(TriggerOutcome.Started.class);
            String rerunId = ((TriggerOutcome.Started) rerun).executionId();
            ExecutionPlan plan = h.store.readJson(rerunId, ExecutionEngine.PLAN_FILE, ExecutionPlan.class).orElseThrow();
            assertThat(plan.nodes()).containsExactly("b", "c", "d", "e");
            assertThat(plan.skipped()).containsExactly("f");
            assertThat(plan.cause()).isEqualTo("rerun:" + id);
            assertThat(plan.request()).isEqualTo("rerun=" + id);
            assertThat(h.engine.hasExecutionFor("rerun=" + id)).isTrue();
            await().until(() -> second.completion().isDone()); // the re-run replaced the second execution (Replace)
        }
    }

    @Test
    void anUnknownExecutionOrOneWithNothingToRerunStartsNothing() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).backend(InMemoryJobBackend.manual()).build()) {
            h.engine.activate();
            assertThat(h.engine.rerun("latest", null)).isEqualTo(new TriggerOutcome.Skipped("there is no latest execution yet"));
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(id).contains("a"));
            h.engine.resultReceived(id, "a", RESULT);
            h.backend.end(id, "a", JobEnd.succeeded());
            await().until(() -> h.engine.progress().isEmpty());

            assertThat(h.engine.rerun("latest", null)).isEqualTo(
                    new TriggerOutcome.Skipped("every node of execution " + id + " succeeded: nothing to re-run"));
            assertThat(h.engine.rerun("20991231235959", null)).isEqualTo(
                    new TriggerOutcome.Skipped("execution '20991231235959' is not in the report history"));
            assertThat(h.engine.rerun("..\u0007/etc", null)).isEqualTo(
                    new TriggerOutcome.Skipped("execution '..?/etc' is not in the report history"));
            assertThat(h.engine.rerun(" ", null)).isEqualTo(new TriggerOutcome.Skipped("no execution named: use an execution ID or 'latest'"));
            assertThat(h.store.executionIds()).containsExactly(id);
        }
    }

    @Test
    void anExecutionThatHasNotFinishedIsNotRerun() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).backend(InMemoryJobBackend.manual()).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            assertThat(h.engine.rerun(id, null)).isEqualTo(new TriggerOutcome.Skipped(
                    "execution " + id + " has not finished yet: re-run it once it has"));
        }
    }

    @Test
    void whenNoneOfTheNodesToRerunIsLeftNothingStarts() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).backend(InMemoryJobBackend.manual()).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(id).size() == 2);
            h.backend.end(id, "a", JobEnd.failed("x"));
            h.backend.end(id, "b", JobEnd.failed("x"));
            await().until(() -> h.engine.progress().isEmpty());
            h.nodes.clear();
            assertThat(h.engine.rerun(id, null)).isEqualTo(new TriggerOutcome.Skipped(
                    "none of the 2 node(s) of execution " + id + " that did not succeed is still Ready and selected: a, b"));
        }
    }
}

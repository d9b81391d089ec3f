package io.batchjob.core.execution;

import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.testing.EngineHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The hand-off of results to the events thread is bounded: per job and in values. */
class ResultBacklogTest {

    @TempDir
    Path reports;

    private static JobResult values(int n) {
        return new JobResult(Map.of("m", IntStream.range(0, n).mapToObj(i -> new MetricValue(i, Map.of("i", "" + i))).toList()));
    }

    /** Holds the events thread in onResultReceived until released. */
    static final class Gate implements ExecutionListener {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public void onResultReceived(String executionId, String node, JobResult result) {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aJobsWaitingResultIsReplacedByItsNewerOneAndAllJobsShareAValueBudget() throws Exception {
        Gate gate = new Gate();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutionListener recorder = new ExecutionListener() {
            @Override
            public void onResultReceived(String executionId, String node, JobResult result) {
                seen.add(node + ":" + result.valueCount());
            }
        };
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("node-0", "node-1", "node-2", "node-3")).poolSize(4)
                .listener(gate).listener(recorder).resultBacklogValues(10).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("test")).executionId();
            await().until(() -> h.backend.running() == 4);

            h.engine.resultReceived(id, "node-0", values(3)); // taken by the events thread, which then blocks in the gate
            assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
            h.engine.resultReceived(id, "node-1", values(5)); // waits: 5 of 10 values
            h.engine.resultReceived(id, "node-1", values(2)); // replaces it: 2 of 10
            h.engine.resultReceived(id, "node-1", values(4)); // and again: 4 of 10

            assertThatThrownBy(() -> h.engine.resultReceived(id, "node-2", values(7)))
                    .as("beyond the value budget").isInstanceOf(EngineBusyException.class).hasMessageContaining("retry")
                    .satisfies(e -> assertThat(((EngineBusyException) e).retryAfterSeconds()).isPositive());
            h.engine.resultReceived(id, "node-2", values(6)); // within it: 10 of 10

            // An admission given back unused reserves nothing.
            try (ResultAdmission unused = h.engine.callbacks().admitResult(id, "node-3", 0)) {
                assertThat(unused).isNotNull();
            }

            gate.release.countDown();
            // Listeners saw node-1's newest result once, not each replaced one.
            await().until(() -> seen.size() == 3);
            assertThat(seen).containsExactly("node-0:3", "node-1:4", "node-2:6");
            // Once processed, an empty backlog takes a result larger than the budget.
            await().untilAsserted(() -> h.engine.resultReceived(id, "node-0", values(50)));
            await().until(() -> seen.contains("node-0:50"));
        }
    }

    @Test
    void anAdmissionForAJobThatIsNotRunningIsRefusedAsUnknown() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).build()) {
            h.engine.activate();
            h.engine.trigger("test");
            assertThatThrownBy(() -> h.engine.callbacks().admitResult("19990101000000", "node-0", 1)).isInstanceOf(UnknownJobException.class);
        }
    }

    @Test
    void whatOtherJobsHaveOnTheWayExcludesTheJobsOwnResultWhichItsNextReplaces() {
        ResultBacklog backlog = new ResultBacklog(1_000);
        backlog.reserve("e/a", 100);
        backlog.offer("e/a", new JobResult(java.util.Map.of()), 100); // a's result waits
        backlog.reserve("e/a", 50);  // a's next one is being stored
        backlog.reserve("e/b", 30);
        assertThat(backlog.usedValues()).isEqualTo(180);
        assertThat(backlog.pendingOfOthers("e/a")).isEqualTo(java.util.Map.of("e/b", 30L));
        assertThat(backlog.pendingOfOthers("e/b")).as("a ends up holding one of its results: the larger").isEqualTo(java.util.Map.of("e/a", 100L));
        backlog.reserve("e/a", 300);
        assertThat(backlog.pendingOfOthers("e/b")).isEqualTo(java.util.Map.of("e/a", 300L));
        backlog.cancel("e/a", 300);
        backlog.cancel("e/a", 50);
        backlog.cancel("e/b", 30);
        assertThat(backlog.pendingOfOthers("e/b")).isEqualTo(java.util.Map.of("e/a", 100L));
        assertThat(backlog.pendingOfOthers("e/a")).isEmpty();
    }
}

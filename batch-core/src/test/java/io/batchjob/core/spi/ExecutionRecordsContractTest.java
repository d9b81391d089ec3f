package io.batchjob.core.spi;

import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.execution.RecordedExecution;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link ExecutionRecords} must do (JobRunr's pattern for storage providers): extend it,
 * return a fresh, empty implementation from {@link #newRecords()}, and the tests below prove that
 * the engine can resume, re-run and report from it.
 */
public abstract class ExecutionRecordsContractTest {

    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

    protected ExecutionRecords records;

    /** A fresh implementation with nothing recorded. */
    protected abstract ExecutionRecords newRecords() throws Exception;

    @BeforeEach
    void create() throws Exception {
        records = newRecords();
    }

    private static ExecutionPlan plan(String id, String... nodes) {
        return new ExecutionPlan(id, "schedule", T0, List.of(nodes), "run=7", List.of("skipped-node"));
    }

    private static JobSummary ended(String node, JobOutcome outcome, boolean reported) {
        return new JobSummary(node, outcome, T0, T0.plusSeconds(5), outcome == JobOutcome.SUCCEEDED ? null : "exit code 1", reported);
    }

    @Test
    void nothingIsRecordedAtFirst() {
        assertThat(records.executionIds()).isEmpty();
        assertThat(records.plan("20261203100000")).isEmpty();
        assertThat(records.summary("20261203100000")).isEmpty();
        assertThat(records.read("20261203100000")).isEmpty();
        assertThat(records.prune(3)).isEmpty();
    }

    @Test
    void plansAreListedOldestFirstAndReadBackAsWritten() {
        records.writePlan(plan("20261203100500", "a"));
        records.writePlan(plan("20261203100000", "a", "b"));
        records.writePlan(plan("202612031000000", "c")); // a longer ID is newer (IDs grow a digit once the counter outgrows the second)

        assertThat(records.executionIds()).containsExactly("20261203100000", "20261203100500", "202612031000000");
        assertThat(records.plan("20261203100000")).contains(plan("20261203100000", "a", "b"));
        assertThat(records.read("20261203100000")).hasValueSatisfying(r -> {
            assertThat(r.plan()).isEqualTo(plan("20261203100000", "a", "b"));
            assertThat(r.ended()).isEmpty();
            assertThat(r.reported()).isEmpty();
            assertThat(r.retried()).isEmpty();
        });
    }

    @Test
    void aLaterEndOfANodeWinsAndAnEndSupersedesItsRetriedAttempts() {
        String id = "20261203100000";
        records.writePlan(plan(id, "a", "b", "c"));
        JobAttempt firstOfB = new JobAttempt(1, JobOutcome.FAILED, T0, T0.plusSeconds(1), "exit code 7");
        JobAttempt firstOfC = new JobAttempt(1, JobOutcome.TIMED_OUT, T0, T0.plusSeconds(2), "timed out");
        records.appendJobEnd(id, ended("a", JobOutcome.NO_REPORT, false));
        records.appendRetry(id, "b", firstOfB);
        records.appendRetry(id, "c", firstOfC);
        records.appendJobEnd(id, ended("a", JobOutcome.SUCCEEDED, true)); // a late result
        JobSummary bEnded = new JobSummary("b", JobOutcome.SUCCEEDED, T0, T0.plusSeconds(9), null, true, 2, List.of(firstOfB));
        records.appendJobEnd(id, bEnded);

        RecordedExecution r = records.read(id).orElseThrow();
        assertThat(r.ended()).containsOnlyKeys("a", "b");
        assertThat(r.ended().get("a").outcome()).isEqualTo(JobOutcome.SUCCEEDED);
        assertThat(r.ended().get("b")).isEqualTo(bEnded);
        assertThat(r.retried()).as("only c's attempts are open").containsOnlyKeys("c");
        assertThat(r.retried().get("c")).containsExactly(firstOfC);
    }

    @Test
    void acceptedResultsAreKeptWithTheirLatestAttempt() {
        String id = "20261203100000";
        records.writePlan(plan(id, "a", "b"));
        records.appendResult(id, "b", 1);
        records.appendResult(id, "a", 2);
        records.appendResult(id, "b", 3);

        RecordedExecution r = records.read(id).orElseThrow();
        assertThat(r.reported()).containsExactlyInAnyOrder("a", "b");
        assertThat(r.reportedAttempt()).containsEntry("a", 2).containsEntry("b", 3);
    }

    @Test
    void aSummaryIsReadBackOnlyOnceItWasWritten() {
        String id = "20261203100000";
        records.writePlan(plan(id, "a"));
        assertThat(records.summary(id)).isEmpty();
        ExecutionSummary summary = new ExecutionSummary(id, "schedule", T0, T0.plusSeconds(30), false,
                List.of(ended("a", JobOutcome.SUCCEEDED, true)), List.of("gone-node"));

        records.writeSummary(summary);

        assertThat(records.summary(id)).contains(summary);
        assertThat(records.executionIds()).containsExactly(id);
    }

    @Test
    void pruningForgetsTheOldestAndKeepsAtLeastOne() {
        for (int i = 0; i < 5; i++) {
            records.writePlan(plan("2026120310000" + i, "a"));
        }
        assertThat(records.prune(3)).containsExactly("20261203100000", "20261203100001");
        assertThat(records.executionIds()).containsExactly("20261203100002", "20261203100003", "20261203100004");
        assertThat(records.plan("20261203100000")).isEmpty();
        assertThat(records.read("20261203100001")).isEmpty();

        assertThat(records.prune(0)).containsExactly("20261203100002", "20261203100003");
        assertThat(records.executionIds()).containsExactly("20261203100004");
    }

    @Test
    void recordsOfDifferentExecutionsWrittenAtOnceStayApart() throws Exception {
        List<String> ids = List.of("20261203100000", "20261203100001", "20261203100002", "20261203100003");
        ids.forEach(id -> records.writePlan(plan(id, "a")));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (String id : ids) {
                writes.add(pool.submit(() -> {
                    for (int n = 0; n < 50; n++) {
                        records.appendResult(id, "node-" + n, 1);
                        records.appendJobEnd(id, ended("node-" + n, JobOutcome.SUCCEEDED, true));
                    }
                }));
            }
            for (Future<?> w : writes) {
                w.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (String id : ids) {
            RecordedExecution r = records.read(id).orElseThrow();
            assertThat(r.reported()).hasSize(50);
            assertThat(r.ended()).hasSize(50);
        }
    }
}

package io.batchjob.core.testing;

import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.execution.RecordedExecution;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobAttempt;
import io.batchjob.core.spi.JobSummary;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The reference in-memory {@link ExecutionRecords}: each execution's records in a map, guarded by
 * this object. For tests, and a model of what a store of records elsewhere (a database) must do.
 */
public final class InMemoryExecutionRecords implements ExecutionRecords {

    private static final class Entry {
        final ExecutionPlan plan;
        final Map<String, JobSummary> ended = new LinkedHashMap<>();
        final Map<String, List<JobAttempt>> retried = new LinkedHashMap<>();
        final Set<String> reported = new LinkedHashSet<>();
        final Map<String, Integer> reportedAttempt = new LinkedHashMap<>();
        ExecutionSummary summary;

        Entry(ExecutionPlan plan) {
            this.plan = plan;
        }
    }

    /** By execution ID; IDs sort by time. */
    private final TreeMap<String, Entry> executions = new TreeMap<>(io.batchjob.core.report.ReportStore.BY_EXECUTION_ID);

    @Override
    public synchronized void writePlan(ExecutionPlan plan) {
        executions.put(plan.executionId(), new Entry(plan));
    }

    private Entry entry(String executionId) {
        Entry e = executions.get(executionId);
        if (e == null) {
            throw new IllegalStateException("execution " + executionId + " has no plan");
        }
        return e;
    }

    @Override
    public synchronized void appendJobEnd(String executionId, JobSummary summary) {
        Entry e = entry(executionId);
        e.ended.remove(summary.node()); // re-inserted last, as a later journal line
        e.ended.put(summary.node(), summary);
    }

    @Override
    public synchronized void appendRetry(String executionId, String node, JobAttempt attempt) {
        entry(executionId).retried.computeIfAbsent(node, n -> new ArrayList<>()).add(attempt);
    }

    @Override
    public synchronized void appendResult(String executionId, String node, int attempt) {
        Entry e = entry(executionId);
        e.reported.add(node);
        e.reportedAttempt.merge(node, Math.max(1, attempt), Math::max);
    }

    @Override
    public synchronized void writeSummary(ExecutionSummary summary) {
        entry(summary.executionId()).summary = summary;
    }

    @Override
    public synchronized List<String> executionIds() {
        return List.copyOf(executions.keySet());
    }

    @Override
    public synchronized Optional<ExecutionPlan> plan(String executionId) {
        return Optional.ofNullable(executions.get(executionId)).map(e -> e.plan);
    }

    @Override
    public synchronized Optional<ExecutionSummary> summary(String executionId) {
        return Optional.ofNullable(executions.get(executionId)).map(e -> e.summary);
    }

    @Override
    public synchronized Optional<RecordedExecution> read(String executionId) {
        return Optional.ofNullable(executions.get(executionId))
                .map(e -> RecordedExecution.of(e.plan, e.ended, e.retried, e.reported, e.reportedAttempt));
    }

    @Override
    public synchronized List<String> prune(int keep) {
        List<String> forgotten = new ArrayList<>();
        while (executions.size() > Math.max(keep, 1)) {
            forgotten.add(executions.pollFirstEntry().getKey());
        }
        return forgotten;
    }
}

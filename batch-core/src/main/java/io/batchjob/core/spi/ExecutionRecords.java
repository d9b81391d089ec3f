package io.batchjob.core.spi;

import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.execution.RecordedExecution;

import java.util.List;
import java.util.Optional;

/**
 * What the engine records about each execution, so that a restart or a new leader resumes it and the
 * status API, the dashboard and the metrics read it back: the plan (nodes, cause, start), the
 * journal (each job's end, each attempt followed by another), which results were accepted, and the
 * summary once it finished. The default keeps them as files beside the reports
 * ({@link io.batchjob.core.execution.FileExecutionRecords}: {@code _plan.json}, {@code _jobs.jsonl},
 * {@code _results.log}, {@code _summary.json}); every implementation must pass the contract test
 * {@code io.batchjob.core.spi.ExecutionRecordsContractTest} from the {@code batch-core} test-jar.
 *
 * <p>Threading: writes come from the engine's starting thread (the plan) and its single events thread
 * (everything else), one after another per execution; reads from any thread (HTTP workers, the engine).
 * Implementations must be thread-safe. A write that fails throws {@link io.batchjob.core.report.ReportException}
 * (e.g. a full volume): the engine keeps the record and writes it again later, in order.
 */
public interface ExecutionRecords {

    /** Records a new execution's plan (its ID is the plan's). */
    void writePlan(ExecutionPlan plan);

    /** Records the end of a node's job; a later end of the same node supersedes an earlier one. */
    void appendJobEnd(String executionId, JobSummary summary);

    /** Records an attempt of a node's job that ended and is followed by another ({@code jobRetries}). */
    void appendRetry(String executionId, String node, JobAttempt attempt);

    /** Records that the result of {@code node}'s attempt {@code attempt} was accepted. */
    void appendResult(String executionId, String node, int attempt);

    /** Records that the execution finished, with how. */
    void writeSummary(ExecutionSummary summary);

    /** The executions with a plan, oldest first (execution IDs sort by time). */
    List<String> executionIds();

    /** An execution's plan, if it has one. */
    Optional<ExecutionPlan> plan(String executionId);

    /** An execution's summary, once it finished. */
    Optional<ExecutionSummary> summary(String executionId);

    /** Everything recorded about an execution: plan, job ends, retries, accepted results; empty without a plan. */
    Optional<RecordedExecution> read(String executionId);

    /**
     * Forgets all but the newest {@code keep} executions (at least one is kept).
     *
     * @return the IDs forgotten, oldest first
     */
    List<String> prune(int keep);
}

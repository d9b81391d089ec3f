package io.batchjob.core.spi;

import io.batchjob.core.result.JobResult;

/**
 * Told about everything an execution does; metrics, Kubernetes events, logs and embedders plug in
 * here. Every method has a no-op default: override what you need.
 *
 * <p>Threading: the engine calls all listeners from one dedicated thread, in the order things
 * happened, never concurrently; a listener therefore needs no locking of its own for state it
 * only touches from these methods. Keep them fast (they delay later notifications). An exception
 * thrown by a listener is logged and does not affect the engine or other listeners.
 */
public interface ExecutionListener {

    /** A listener that ignores everything. */
    ExecutionListener NOOP = new ExecutionListener() {
    };

    /** An execution began or was resumed. */
    default void onExecutionStarted(ExecutionStart start) {
    }

    /** A trigger was ignored, e.g. because an execution is still running. */
    default void onTriggerSkipped(String cause, String reason) {
    }

    /** A trigger could not start an execution, e.g. because nodes could not be listed. */
    default void onTriggerFailed(String cause, String reason) {
    }

    /** A job was handed to the backend. */
    default void onJobStarted(String executionId, String node) {
    }

    /** A job ended (its outcome may still change from no report to succeeded if a late result arrives). */
    default void onJobEnded(String executionId, JobSummary job) {
    }

    /**
     * An attempt of a node's job did not succeed and the node is started again after
     * {@code jobRetryDelay} ({@code jobRetries}); its final end comes as {@link #onJobEnded}.
     */
    default void onJobRetrying(String executionId, String node, JobAttempt attempt) {
    }

    /** A job's result was accepted and stored. */
    default void onResultReceived(String executionId, String node, JobResult result) {
    }

    /** Every job of the execution ended; the summary has been written. */
    default void onExecutionFinished(ExecutionSummary summary) {
    }

    /** An execution was deleted from the report history; drop what you keep about it. */
    default void onExecutionPruned(String executionId) {
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.spi.ExecutionSummary;

import java.util.concurrent.CompletableFuture;

/** What a trigger did. */
public sealed interface TriggerOutcome {

    /**
     * An execution started.
     *
     * @param executionId its ID
     * @param completion  completes with the summary when every job ended; fails with a
     *                    {@link java.util.concurrent.CancellationException} if this controller gives
     *                    the execution up (lost leadership, closed)
     */
    record Started(String executionId, CompletableFuture<ExecutionSummary> completion) implements TriggerOutcome {
    }

    /** The trigger was ignored (an execution is running, or this controller is not active). */
    record Skipped(String reason) implements TriggerOutcome {
    }

    /** The trigger could not start an execution (nodes could not be listed, report directory unusable). */
    record Failed(String reason) implements TriggerOutcome {
    }
}

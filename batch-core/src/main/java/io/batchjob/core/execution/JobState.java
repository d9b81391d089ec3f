package io.batchjob.core.execution;

/**
 * Where a node's job is: one type for the engine and the status API. How a job ended is its
 * {@link io.batchjob.core.spi.JobOutcome}, set when it becomes {@code ENDED}.
 *
 * <p>The engine's moves: {@code PENDING → LAUNCHING → RUNNING}; an attempt that did not succeed and
 * has another left ({@code jobRetries}) goes to {@code RETRYING} and from there back to {@code PENDING}
 * once {@code jobRetryDelay} passed; any of them may end ({@code PENDING} only as replaced, {@code
 * RETRYING} only as succeeded by a late result or replaced), and a job that ended without a result
 * becomes succeeded when its result arrives late.
 */
public enum JobState {
    /** Waits for a slot in the pool. */
    PENDING,
    /** The backend is creating it (the status API shows it as {@code RUNNING}). */
    LAUNCHING,
    RUNNING,
    /** An attempt did not succeed; the next waits for {@code jobRetryDelay} or a slot. */
    RETRYING,
    ENDED;

    boolean isActive() {
        return this == LAUNCHING || this == RUNNING;
    }

    boolean isEnded() {
        return this == ENDED;
    }

    /** As the status API shows it: a job being created as running, a later attempt waiting for a slot as retrying. */
    JobState shown(boolean retriedBefore) {
        return switch (this) {
            case LAUNCHING -> RUNNING;
            case PENDING -> retriedBefore ? RETRYING : PENDING;
            default -> this;
        };
    }
}

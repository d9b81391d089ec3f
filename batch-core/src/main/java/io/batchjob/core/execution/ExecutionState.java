package io.batchjob.core.execution;

/**
 * Where one execution is in its life on this controller. It only moves forward: {@code RUNNING} →
 * {@code FINISHING} (every job ended, or the execution was replaced; its summary is being written) and
 * either of them → {@code STOPPED} (this controller gave it up: lost the lead, or closed; another
 * resumes it). Nothing is launched, retried or timed out once it is not {@code RUNNING}.
 */
enum ExecutionState {
    RUNNING,
    FINISHING,
    STOPPED;

    /** Whether jobs may still be launched, retried and timed out. */
    boolean isRunning() {
        return this == RUNNING;
    }

    /** The state once every job ended: finishing, unless it was stopped already. */
    ExecutionState finishing() {
        return this == STOPPED ? STOPPED : FINISHING;
    }
}

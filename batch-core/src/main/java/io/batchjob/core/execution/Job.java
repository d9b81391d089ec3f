package io.batchjob.core.execution;

import io.batchjob.core.schedule.TaskTimer;
import io.batchjob.core.spi.JobSummary;

import java.time.Instant;

/** One node's job. Mutable; every field is guarded by the owning {@link Execution}'s monitor. */
final class Job {
    final String node;
    JobState state = JobState.PENDING;
    String secret;
    boolean reported;
    boolean holdsSlot;
    Instant startedAt;
    Instant endedAt;
    String reason = "";
    TaskTimer.Cancellable timeout;
    /** The current (or last) attempt, from 1; 0 before the first launch. */
    int attempt;
    /** Earlier attempts that did not succeed, oldest first. */
    final java.util.List<io.batchjob.core.spi.JobAttempt> retried = new java.util.ArrayList<>();
    /** The current attempt timed out and waits for the backend to stop it before the next is queued. */
    boolean timedOut;
    /** Queues the next attempt once {@code jobRetryDelay} has passed. */
    TaskTimer.Cancellable retry;

    Job(String node) {
        this.node = node;
    }

    void moveTo(JobState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("job for node " + node + " cannot go from " + state + " to " + next);
        }
        state = next;
    }

    void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel();
            timeout = null;
        }
    }

    void cancelRetry() {
        if (retry != null) {
            retry.cancel();
            retry = null;
        }
    }

    /** The attempts so far (a job replaced before it started counts one). */
    int attempts() {
        return Math.max(attempt, 1);
    }

    JobSummary summary() {
        return new JobSummary(node, state.outcome(), startedAt, endedAt, reason, reported, attempts(), java.util.List.copyOf(retried));
    }
}

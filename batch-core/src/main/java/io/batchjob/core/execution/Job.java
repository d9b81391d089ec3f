package io.batchjob.core.execution;

import io.batchjob.core.schedule.TaskTimer;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;

import java.time.Instant;

/** One node's job. Mutable; every field is guarded by the owning {@link Execution}'s monitor. */
final class Job {
    final String node;
    JobState state = JobState.PENDING;
    /** How it ended; set with {@link JobState#ENDED}. */
    JobOutcome outcome;
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

    /** Moves to a state other than {@code ENDED} ({@link #end}); throws on a move the engine never makes. */
    void moveTo(JobState next) {
        boolean allowed = switch (state) {
            case PENDING -> next == JobState.LAUNCHING;
            case LAUNCHING -> next == JobState.RUNNING || next == JobState.RETRYING;
            case RUNNING -> next == JobState.RETRYING;
            case RETRYING -> next == JobState.PENDING;
            case ENDED -> false;
        };
        if (!allowed) {
            throw new IllegalStateException("job for node " + node + " cannot go from " + state + " to " + next);
        }
        state = next;
    }

    /** Ends the job with {@code how}; throws on an end the engine never records (e.g. a pending job that failed). */
    void end(JobOutcome how) {
        boolean allowed = switch (state) {
            case PENDING -> how == JobOutcome.REPLACED;
            case LAUNCHING, RUNNING -> true;
            case RETRYING -> how == JobOutcome.SUCCEEDED || how == JobOutcome.REPLACED;
            case ENDED -> outcome == JobOutcome.NO_REPORT && how == JobOutcome.SUCCEEDED; // a late result
        };
        if (!allowed) {
            throw new IllegalStateException("job for node " + node + " cannot end " + how + " from " + state
                    + (outcome == null ? "" : " " + outcome));
        }
        state = JobState.ENDED;
        outcome = how;
    }

    /** Whether the job ended with {@code how}. */
    boolean endedAs(JobOutcome how) {
        return state == JobState.ENDED && outcome == how;
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
        if (state != JobState.ENDED) {
            throw new IllegalStateException("job for node " + node + " has not ended: " + state);
        }
        return new JobSummary(node, outcome, startedAt, endedAt, reason, reported, attempts(), java.util.List.copyOf(retried));
    }
}

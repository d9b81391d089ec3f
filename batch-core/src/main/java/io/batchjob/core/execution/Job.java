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

    JobSummary summary() {
        return new JobSummary(node, state.outcome(), startedAt, endedAt, reason, reported);
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.spi.JobOutcome;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of one node's job, and the one place that says which transitions are legal.
 *
 * <pre>
 * PENDING ─► LAUNCHING ─► RUNNING ─► SUCCEEDED | NO_REPORT | FAILED | TIMED_OUT | REPLACED
 *                 └──────────────────► SUCCEEDED | NO_REPORT | FAILED | TIMED_OUT | REPLACED
 * PENDING ─► REPLACED      (a new trigger replaced the execution before the job started)
 * NO_REPORT ─► SUCCEEDED   (a late result while the execution still runs)
 * LAUNCHING | RUNNING ─► RETRY_WAIT ─► PENDING   (jobRetries: the attempt did not succeed, the next waits jobRetryDelay)
 * RETRY_WAIT ─► SUCCEEDED  (the result of an attempt that had ended without one arrives late)
 * RETRY_WAIT ─► REPLACED
 * </pre>
 */
enum JobState {
    PENDING, LAUNCHING, RUNNING, RETRY_WAIT, SUCCEEDED, NO_REPORT, FAILED, TIMED_OUT, REPLACED;

    private static final Map<JobState, Set<JobState>> ALLOWED = new EnumMap<>(JobState.class);

    static {
        Set<JobState> ends = EnumSet.of(SUCCEEDED, NO_REPORT, FAILED, TIMED_OUT, REPLACED);
        ALLOWED.put(PENDING, EnumSet.of(LAUNCHING, REPLACED));
        Set<JobState> fromLaunching = EnumSet.copyOf(ends);
        fromLaunching.add(RUNNING);
        fromLaunching.add(RETRY_WAIT);
        ALLOWED.put(LAUNCHING, fromLaunching);
        Set<JobState> fromRunning = EnumSet.copyOf(ends);
        fromRunning.add(RETRY_WAIT);
        ALLOWED.put(RUNNING, fromRunning);
        ALLOWED.put(RETRY_WAIT, EnumSet.of(PENDING, SUCCEEDED, REPLACED));
        ALLOWED.put(NO_REPORT, EnumSet.of(SUCCEEDED));
        ALLOWED.put(SUCCEEDED, EnumSet.noneOf(JobState.class));
        ALLOWED.put(FAILED, EnumSet.noneOf(JobState.class));
        ALLOWED.put(TIMED_OUT, EnumSet.noneOf(JobState.class));
        ALLOWED.put(REPLACED, EnumSet.noneOf(JobState.class));
    }

    boolean canMoveTo(JobState next) {
        return ALLOWED.get(this).contains(next);
    }

    /** The job exists and may still end: it counts against the pool. */
    boolean isActive() {
        return this == LAUNCHING || this == RUNNING;
    }

    boolean isEnded() {
        return this == SUCCEEDED || this == NO_REPORT || this == FAILED || this == TIMED_OUT || this == REPLACED;
    }

    JobOutcome outcome() {
        return switch (this) {
            case SUCCEEDED -> JobOutcome.SUCCEEDED;
            case NO_REPORT -> JobOutcome.NO_REPORT;
            case FAILED -> JobOutcome.FAILED;
            case TIMED_OUT -> JobOutcome.TIMED_OUT;
            case REPLACED -> JobOutcome.REPLACED;
            default -> throw new IllegalStateException("job has not ended: " + this);
        };
    }

    static JobState of(JobOutcome outcome) {
        return switch (outcome) {
            case SUCCEEDED -> SUCCEEDED;
            case NO_REPORT -> NO_REPORT;
            case FAILED -> FAILED;
            case TIMED_OUT -> TIMED_OUT;
            case REPLACED -> REPLACED;
        };
    }
}

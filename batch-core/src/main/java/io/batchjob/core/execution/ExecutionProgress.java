package io.batchjob.core.execution;

import java.time.Instant;

/**
 * A snapshot of the running execution.
 *
 * @param executionId its ID
 * @param cause       what triggered it
 * @param startedAt   when it started
 * @param jobs        number of jobs (nodes)
 * @param pending     jobs waiting for a pool slot
 * @param running     jobs created and not ended
 * @param ended       jobs that ended
 * @param resumed     whether it was taken over after a restart
 */
public record ExecutionProgress(String executionId, String cause, Instant startedAt, int jobs, int pending, int running,
                                int ended, boolean resumed) {
}

package io.batchjob.core.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A job a backend still knows about, for resuming an execution after a restart or a change of
 * leader.
 *
 * @param executionId    its execution
 * @param node           its node
 * @param callbackSecret the secret it was given, or {@code null} when it cannot be recovered
 *                       (its callbacks will then be refused when authentication is on)
 * @param createdAt      when it was created, for the remaining timeout; {@code null} if unknown
 * @param attempt        which attempt of the node's job it is, from 1 ({@link JobRequest#attempt()})
 * @param end            how it ended, when the backend knows it has (a pod Succeeded or Failed); {@code null} while it runs
 */
public record ExistingJob(String executionId, String node, String callbackSecret, Instant createdAt, int attempt, JobEnd end) {

    /** A node's first attempt. */
    public ExistingJob(String executionId, String node, String callbackSecret, Instant createdAt) {
        this(executionId, node, callbackSecret, createdAt, 1, null);
    }

    /** An attempt that has not ended, or whose end the backend does not know. */
    public ExistingJob(String executionId, String node, String callbackSecret, Instant createdAt, int attempt) {
        this(executionId, node, callbackSecret, createdAt, attempt, null);
    }

    public ExistingJob {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, was " + attempt);
        }
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(node, "node");
    }

    @Override
    public String toString() {
        return "ExistingJob[executionId=" + executionId + ", node=" + node + ", createdAt=" + createdAt + ", attempt=" + attempt + "]";
    }
}

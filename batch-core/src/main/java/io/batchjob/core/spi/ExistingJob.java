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
 */
public record ExistingJob(String executionId, String node, String callbackSecret, Instant createdAt) {
    public ExistingJob {
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(node, "node");
    }

    @Override
    public String toString() {
        return "ExistingJob[executionId=" + executionId + ", node=" + node + ", createdAt=" + createdAt + "]";
    }
}

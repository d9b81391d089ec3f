package io.batchjob.core.spi;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the engine asks a {@link JobBackend} to run.
 *
 * @param executionId    the execution the job belongs to
 * @param node           the node it runs on
 * @param callbackSecret the job's own callback secret; the backend must hand it to the job in a
 *                       way it can recover after a controller restart, and must never log it
 * @param environment    the complete job environment (the standard variables with the callback
 *                       URLs, then contributed ones), in a stable order
 * @param timeout        how long the job may run ({@code jobTimeout}), or {@code null} for no limit (the default,
 *                       as in the Go controller); the engine enforces it too
 * @param attempt        which attempt of the node's job this is, from 1 ({@code jobRetries} starts a job again with
 *                       a new secret); a backend keeps the attempts of a node apart (a new pod name per attempt)
 */
public record JobRequest(String executionId, String node, String callbackSecret, Map<String, String> environment,
                         Duration timeout, int attempt) {

    /** A node's first attempt. */
    public JobRequest(String executionId, String node, String callbackSecret, Map<String, String> environment, Duration timeout) {
        this(executionId, node, callbackSecret, environment, timeout, 1);
    }

    public JobRequest {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, was " + attempt);
        }
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(callbackSecret, "callbackSecret");
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
    }

    /** The time limit, if there is one. */
    public java.util.Optional<Duration> timeLimit() {
        return java.util.Optional.ofNullable(timeout);
    }

    /** Never prints the secret (or the URLs that carry it). */
    @Override
    public String toString() {
        return "JobRequest[executionId=" + executionId + ", node=" + node + ", timeout=" + timeout + ", attempt=" + attempt + "]";
    }
}

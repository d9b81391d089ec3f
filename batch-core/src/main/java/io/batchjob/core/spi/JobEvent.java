package io.batchjob.core.spi;

import java.util.Objects;

/**
 * A Kubernetes Event a job asked for, about its own pod. Validated and formatted by the caller.
 *
 * @param executionId the job's execution
 * @param node        the job's node
 * @param warning     {@code true} for a Warning event, {@code false} for Normal
 * @param reason      UpperCamelCase reason, e.g. {@code TestReason}
 * @param message     the message with its arguments already substituted
 * @param action      what was done, never empty (events.k8s.io requires it)
 * @param attempt     the attempt of the node's job the event is about, from 1 ({@code jobRetries})
 */
public record JobEvent(String executionId, String node, boolean warning, String reason, String message, String action, int attempt) {

    /** An event about a node's first attempt. */
    public JobEvent(String executionId, String node, boolean warning, String reason, String message, String action) {
        this(executionId, node, warning, reason, message, action, 1);
    }

    public JobEvent {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, was " + attempt);
        }
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(action, "action");
        if (action.isEmpty()) {
            throw new IllegalArgumentException("action must not be empty");
        }
    }
}

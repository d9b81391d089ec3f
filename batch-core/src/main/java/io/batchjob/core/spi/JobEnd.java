package io.batchjob.core.spi;

import java.util.Objects;

/**
 * How a job ended, as its backend saw it. Whether the node counts as succeeded also depends on
 * whether a result arrived; the engine decides that.
 *
 * @param status whether the job itself completed successfully
 * @param reason a short reason for operators (e.g. {@code pod deleted}, {@code exit code 3},
 *               {@code ImagePullBackOff}); empty for success
 */
public record JobEnd(Status status, String reason) {

    /** The job's own verdict. */
    public enum Status {
        /** It ran to completion without error. */
        SUCCEEDED,
        /** It failed, was deleted, or could not start. */
        FAILED
    }

    public JobEnd {
        Objects.requireNonNull(status, "status");
        reason = Objects.requireNonNullElse(reason, "");
    }

    public static JobEnd succeeded() {
        return new JobEnd(Status.SUCCEEDED, "");
    }

    public static JobEnd failed(String reason) {
        return new JobEnd(Status.FAILED, reason);
    }
}

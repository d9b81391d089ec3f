package io.batchjob.core.spi;

import java.util.Objects;

/**
 * How a job ended, as its backend saw it: {@link JobOutcome#SUCCEEDED} or {@link JobOutcome#FAILED}.
 * Whether the node counts as succeeded also depends on whether a result arrived; the engine decides
 * that (the other outcomes are the engine's own).
 *
 * @param outcome whether the job itself completed successfully: {@code SUCCEEDED} or {@code FAILED}
 * @param reason  a short reason for operators (e.g. {@code pod deleted}, {@code exit code 3},
 *                {@code ImagePullBackOff}); empty for success
 */
public record JobEnd(JobOutcome outcome, String reason) {

    public JobEnd {
        Objects.requireNonNull(outcome, "outcome");
        if (outcome != JobOutcome.SUCCEEDED && outcome != JobOutcome.FAILED) {
            throw new IllegalArgumentException("a backend reports SUCCEEDED or FAILED, not " + outcome + " (the engine decides the others)");
        }
        reason = Objects.requireNonNullElse(reason, "");
    }

    public static JobEnd succeeded() {
        return new JobEnd(JobOutcome.SUCCEEDED, "");
    }

    public static JobEnd failed(String reason) {
        return new JobEnd(JobOutcome.FAILED, reason);
    }
}

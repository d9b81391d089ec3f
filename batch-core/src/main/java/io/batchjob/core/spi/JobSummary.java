package io.batchjob.core.spi;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One node's job once it ended.
 *
 * @param node      the node
 * @param outcome   how it ended
 * @param startedAt when the engine started it
 * @param endedAt   when it ended
 * @param reason    why, for anything but success (e.g. {@code exit code 3}, {@code no result received})
 * @param reported  whether a result arrived
 * @param attempts  how many times the job was started (1 unless {@code jobRetries} started it again)
 * @param retried   the earlier attempts, oldest first, that did not succeed and were followed by another;
 *                  {@code startedAt} is the last attempt's start
 */
public record JobSummary(String node, JobOutcome outcome, Instant startedAt, Instant endedAt, String reason,
                         boolean reported, int attempts, java.util.List<JobAttempt> retried) {

    /** A job that was started once. */
    public JobSummary(String node, JobOutcome outcome, Instant startedAt, Instant endedAt, String reason, boolean reported) {
        this(node, outcome, startedAt, endedAt, reason, reported, 1, java.util.List.of());
    }

    public JobSummary {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        reason = Objects.requireNonNullElse(reason, "");
        retried = retried == null ? java.util.List.of() : java.util.List.copyOf(retried);
        // Records written before attempts were counted read as one attempt.
        attempts = Math.max(Math.max(attempts, 1), retried.size() + 1);
    }

    /** Run time in milliseconds (the duration gauge). */
    @JsonProperty("durationMillis")
    public long durationMillis() {
        return Math.max(0, Duration.between(startedAt, endedAt).toMillis());
    }
}

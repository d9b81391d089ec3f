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
 */
public record JobSummary(String node, JobOutcome outcome, Instant startedAt, Instant endedAt, String reason,
                         boolean reported) {
    public JobSummary {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        reason = Objects.requireNonNullElse(reason, "");
    }

    /** Run time in milliseconds (the duration gauge). */
    @JsonProperty("durationMillis")
    public long durationMillis() {
        return Math.max(0, Duration.between(startedAt, endedAt).toMillis());
    }
}

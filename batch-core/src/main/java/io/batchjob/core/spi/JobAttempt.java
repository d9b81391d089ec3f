package io.batchjob.core.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One attempt of a node's job that did not succeed and was followed by another (with
 * {@code jobRetries}).
 *
 * @param number    the attempt, from 1
 * @param outcome   how it ended: failed, timed out or without a result
 * @param startedAt when it started
 * @param endedAt   when it ended
 * @param reason    why
 */
public record JobAttempt(int number, JobOutcome outcome, Instant startedAt, Instant endedAt, String reason) {
    public JobAttempt {
        if (number < 1) {
            throw new IllegalArgumentException("an attempt's number starts at 1, was " + number);
        }
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        reason = Objects.requireNonNullElse(reason, "");
    }
}

package io.batchjob.core.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What a trigger does while an execution still runs ({@code concurrencyPolicy}, CronJob's words).
 */
public enum ConcurrencyPolicy {
    /**
     * The running execution ends — its unfinished jobs end as replaced, its summary is written —
     * its pods are deleted and the new execution starts: what the Go controller did on every trigger.
     * The default.
     */
    REPLACE("Replace"),
    /** The trigger is skipped (counted, logged and told to listeners). */
    FORBID("Forbid");

    private final String configValue;

    ConcurrencyPolicy(String configValue) {
        this.configValue = configValue;
    }

    /** The value as written in {@code config.yaml}. */
    public String configValue() {
        return configValue;
    }

    /** Reads {@code Replace} or {@code Forbid}, in any case. */
    public static Optional<ConcurrencyPolicy> parse(String value) {
        return Arrays.stream(values()).filter(p -> p.configValue.equalsIgnoreCase(value == null ? "" : value.strip())).findFirst();
    }

    @Override
    public String toString() {
        return configValue.toLowerCase(Locale.ROOT);
    }
}

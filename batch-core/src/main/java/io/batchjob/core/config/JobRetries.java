package io.batchjob.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How often a node's job is started again within its execution when an attempt failed, timed out
 * or ended without a result (keys {@code jobRetries} and {@code jobRetryDelay}). None by default,
 * as in the Go controller; {@code rerun} still re-runs whole executions.
 *
 * @param retries how many more attempts a node gets after its first (0 = none)
 * @param delay   how long after an attempt ended the next one is queued for a pool slot
 */
public record JobRetries(int retries, Duration delay) {

    public static final int MAX_RETRIES = 10;
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(30);
    private static final Duration MAX_DELAY = Duration.ofHours(1);

    /** No retries, as in the Go controller. */
    public static final JobRetries NONE = new JobRetries(0, DEFAULT_DELAY);

    public JobRetries {
        List<String> problems = problems(retries, delay);
        if (!problems.isEmpty()) {
            throw new ConfigException("config", problems);
        }
    }

    /** The most attempts a node gets: the first and its retries. */
    public int maxAttempts() {
        return 1 + retries;
    }

    static List<String> problems(long retries, Duration delay) {
        List<String> p = new ArrayList<>();
        if (retries < 0 || retries > MAX_RETRIES) {
            p.add("key 'jobRetries': value " + retries + " is invalid: must be from 0 (no retries, the default) to " + MAX_RETRIES);
        }
        if (delay == null || delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            p.add("key 'jobRetryDelay': value " + (delay == null ? "null" : GoDuration.format(delay))
                    + " is invalid: must be a duration from 0s to 1h, e.g. 30s");
        }
        return p;
    }
}

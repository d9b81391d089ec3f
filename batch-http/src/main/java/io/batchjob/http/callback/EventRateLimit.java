package io.batchjob.http.callback;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How many Events one job may create: a token bucket per job (node of an execution) holding
 * {@link #BURST} Events, refilled with {@link #PER_SECOND} a second. One job that loops on the
 * event URL cannot flood the API server or slow the other jobs' callbacks. Buckets of earlier
 * executions are dropped when a new execution's first Event arrives. Thread-safe.
 */
final class EventRateLimit {

    static final int BURST = 20;
    static final double PER_SECOND = 2.0;

    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile String execution = "";

    EventRateLimit(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    private static final class Bucket {
        double tokens = BURST;
        long last;

        Bucket(long now) {
            last = now;
        }
    }

    /**
     * Takes one Event from the job's allowance.
     *
     * @return 0 when allowed, else the seconds after which one more is allowed (for {@code Retry-After})
     */
    long acquire(String executionId, String node) {
        if (!executionId.equals(execution)) {
            synchronized (this) {
                if (!executionId.equals(execution)) {
                    buckets.keySet().removeIf(k -> !k.startsWith(executionId + "/"));
                    execution = executionId;
                }
            }
        }
        long now = nanoTime.getAsLong();
        Bucket b = buckets.computeIfAbsent(executionId + "/" + node, k -> new Bucket(now));
        synchronized (b) {
            b.tokens = Math.min(BURST, b.tokens + (now - b.last) / 1e9 * PER_SECOND);
            b.last = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - b.tokens) / PER_SECOND);
        }
    }
}

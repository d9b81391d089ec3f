package io.batchjob.http.callback;

import io.batchjob.http.HttpProblem;
import io.undertow.server.HttpHandler;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many callback requests each job has in progress, capped at {@link #PER_JOB}: one job (its
 * valid token, slow bodies, parallel re-posts) can never hold more than that many of the callback
 * API's request slots. A job's second call at once is taken only while more than a reserve of the
 * API's slots stay free for jobs that have none in progress: jobs trickling two bodies each cannot
 * fill every slot and hold up another job's result. Thread-safe.
 */
final class JobSlots {

    /** Callbacks one job may have in progress at once; the job's own scripts send one at a time. */
    static final int PER_JOB = 2;

    private final ConcurrentHashMap<String, Integer> inProgress = new ConcurrentHashMap<>();
    /** Calls in progress, all jobs together. */
    private final java.util.concurrent.atomic.AtomicInteger total = new java.util.concurrent.atomic.AtomicInteger();
    /** The most calls in progress at which a job may still start its second one (the API's slots less the reserve). */
    private final int secondCallsUpTo;

    /** Without a reserve (every job may use its {@link #PER_JOB} slots whatever the others do). */
    JobSlots() {
        this(Integer.MAX_VALUE);
    }

    /**
     * @param apiSlots the callback API's request slots ({@code maxConcurrent}); a quarter of them (at least
     *                 one) is kept for jobs' first calls
     */
    JobSlots(int apiSlots) {
        this.secondCallsUpTo = apiSlots == Integer.MAX_VALUE ? Integer.MAX_VALUE : apiSlots - Math.max(1, apiSlots / 4);
    }

    /** A held slot; closing it frees it (once: closing again does nothing). */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Runs {@code next} holding one of the {@linkplain CallbackJob job}'s slots (429 when it has none
     * free). The slot is freed as the response is about to be written, not after the write returns: a
     * job that sends its next callback as soon as it has read the answer to the last must find its
     * slot free, even when the thread that answered has not got past the write yet.
     */
    HttpHandler limit(HttpHandler next) {
        return exchange -> {
            CallbackJob job = CallbackJob.of(exchange);
            try (Slot slot = acquire(job.executionId(), job.node())) {
                exchange.addResponseCommitListener(committed -> slot.close());
                next.handleRequest(exchange);
            }
        };
    }

    /**
     * Takes one of the job's slots.
     *
     * @throws HttpProblem 429 with {@code Retry-After} when the job already has {@link #PER_JOB} in progress
     */
    Slot acquire(String executionId, String node) {
        String job = executionId + "/" + node;
        int[] refused = new int[1]; // 0 taken, 1 over the job's limit, 2 a second call while only the reserve is free
        inProgress.compute(job, (k, n) -> {
            int current = n == null ? 0 : n;
            if (current >= PER_JOB) {
                refused[0] = 1;
                return current;
            }
            if (current > 0 && total.get() >= secondCallsUpTo) {
                refused[0] = 2;
                return current;
            }
            refused[0] = 0;
            total.incrementAndGet();
            return current + 1;
        });
        if (refused[0] == 1) {
            throw new HttpProblem(429, "this job already has " + PER_JOB + " callbacks in progress: send them one after another",
                    1);
        }
        if (refused[0] == 2) {
            throw new HttpProblem(429, "this job already has a callback in progress and the callback API is busy: send them one after"
                    + " another", 1);
        }
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                inProgress.computeIfPresent(job, (k, n) -> n <= 1 ? null : n - 1);
                total.decrementAndGet();
            }
        };
    }

    /** Jobs with a callback in progress (for tests). */
    int jobsInProgress() {
        return inProgress.size();
    }
}

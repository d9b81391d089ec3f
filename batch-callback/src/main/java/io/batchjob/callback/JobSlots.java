package io.batchjob.callback;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many callback requests each job has in progress, capped at {@link #PER_JOB}: one job (its
 * valid token, slow bodies, parallel re-posts) can never hold more than that many of the callback
 * API's request slots, so other jobs always get theirs. Thread-safe.
 */
final class JobSlots {

    /** Callbacks one job may have in progress at once; the job's own scripts send one at a time. */
    static final int PER_JOB = 2;

    private final ConcurrentHashMap<String, Integer> inProgress = new ConcurrentHashMap<>();

    /** A held slot; closing it frees it. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes one of the job's slots.
     *
     * @throws HttpProblem 429 with {@code Retry-After} when the job already has {@link #PER_JOB} in progress
     */
    Slot acquire(String executionId, String node) {
        String job = executionId + "/" + node;
        boolean[] taken = new boolean[1];
        inProgress.compute(job, (k, n) -> {
            int current = n == null ? 0 : n;
            if (current >= PER_JOB) {
                return current;
            }
            taken[0] = true;
            return current + 1;
        });
        if (!taken[0]) {
            throw new HttpProblem(429, "this job already has " + PER_JOB + " callbacks in progress: send them one after another",
                    1);
        }
        return () -> inProgress.computeIfPresent(job, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Jobs with a callback in progress (for tests). */
    int jobsInProgress() {
        return inProgress.size();
    }
}

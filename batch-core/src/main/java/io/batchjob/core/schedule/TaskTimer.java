package io.batchjob.core.schedule;

import java.time.Duration;

/**
 * Runs tasks after a delay. The engine and the scheduler take one so that tests can move time
 * by hand instead of waiting for real minutes.
 */
public interface TaskTimer {

    /**
     * Runs {@code task} once after {@code delay} on a thread of the timer. Tasks must be short:
     * they share few threads.
     *
     * @return a handle to cancel the task if it has not run yet
     */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels the task if it has not started; no effect otherwise. */
        void cancel();
    }
}

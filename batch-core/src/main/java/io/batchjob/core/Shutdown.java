package io.batchjob.core;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Stopping thread pools the same way everywhere: stop accepting, wait, then interrupt. */
public final class Shutdown {

    private Shutdown() {
    }

    /**
     * {@code shutdown} → {@code awaitTermination(grace)} → {@code shutdownNow}; restores the
     * interrupt flag if interrupted while waiting.
     */
    public static void gracefully(ExecutorService executor, Duration grace) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

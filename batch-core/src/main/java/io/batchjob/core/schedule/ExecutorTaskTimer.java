package io.batchjob.core.schedule;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link TaskTimer} on a {@link ScheduledExecutorService} with a fixed, small number of threads. */
public final class ExecutorTaskTimer implements TaskTimer, AutoCloseable {

    private final ScheduledThreadPoolExecutor executor;

    /** @param threads number of timer threads (1 is enough: tasks are short) */
    public ExecutorTaskTimer(int threads, String threadName) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.executor = new ScheduledThreadPoolExecutor(threads, factory);
        // Cancelled timeouts must not pile up in the queue until their delay ends.
        this.executor.setRemoveOnCancelPolicy(true);
        this.executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void close() {
        io.batchjob.core.Shutdown.gracefully(executor, Duration.ofSeconds(5));
    }
}

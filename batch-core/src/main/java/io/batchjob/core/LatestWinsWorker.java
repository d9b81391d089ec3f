package io.batchjob.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One thread of its own, with a short queue, for "look at the newest state" tasks: a task that reads
 * the latest value when it runs makes an extra queued one pointless, so when the queue is full an
 * offer is dropped instead of blocking the caller (a watch callback). Counts the tasks it finished,
 * so a test can wait for the next one rather than for a while.
 *
 * <p>Thread-safe: any thread offers; the tasks run one after another on the worker thread.
 */
public final class LatestWinsWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LatestWinsWorker.class);

    private final String name;
    private final ThreadPoolExecutor worker;
    private final AtomicLong completed = new AtomicLong();

    /**
     * @param threadName the worker thread's name
     * @param queue      tasks that may wait at once
     */
    public LatestWinsWorker(String threadName, int queue) {
        this.name = threadName;
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Queues {@code task}.
     *
     * @return false when it was not queued: the queue is full (a waiting task reads the newest state
     *         anyway) or the worker is closed
     */
    public boolean offer(Runnable task) {
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // Logged here, not thrown: the next look must find the thread, and the failure a log line.
                    LOG.warn("{}: a task failed: {}", name, e.toString(), e);
                } finally {
                    completed.incrementAndGet();
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Tasks finished since start, failed ones (logged) included. */
    public long completed() {
        return completed.get();
    }

    /** Lets the running and queued tasks finish for up to five seconds, then interrupts. */
    @Override
    public void close() {
        Shutdown.gracefully(worker, Duration.ofSeconds(5));
    }
}

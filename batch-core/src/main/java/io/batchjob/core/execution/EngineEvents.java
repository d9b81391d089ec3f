package io.batchjob.core.execution;

import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The engine's one events thread: journal appends, result records, summaries and every
 * {@link ExecutionListener} call run here, in the order they were queued. Callers queue while
 * holding an execution's monitor, so the order is the order in which the state changed.
 *
 * <p>A record that cannot be written (a full report volume) is kept, with every later record of
 * the same file queued behind it so the file's order holds, and written again on this thread with
 * a backoff (5 s doubling to a minute) until the volume takes it: the journal and the summary on
 * disk end up as complete as if the volume had never been full. Records of an execution pruned
 * meanwhile are dropped.
 */
final class EngineEvents implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EngineEvents.class);

    private final List<ExecutionListener> listeners;
    private final ExecutionRecords records;
    /** Why listeners must not be told now (the replica may no longer lead), if they must not. */
    private final java.util.function.Supplier<java.util.Optional<String>> fenced;
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "batch-events-1");
        t.setDaemon(true);
        return t;
    });
    static final long FIRST_RETRY_MILLIS = 5_000;
    static final long MAX_RETRY_MILLIS = 60_000;
    /** Records not written yet, per "execution/file", in order. Events thread only. */
    private final Map<String, Deque<Record>> unwritten = new LinkedHashMap<>();
    private final AtomicInteger unwrittenCount = new AtomicInteger();
    private long retryMillis = FIRST_RETRY_MILLIS;
    /** Whether the closed fence was logged since it closed (events thread only). */
    private boolean fencedLogged;
    private boolean retryScheduled;

    /** One record to write: what it is (for the log) and how. */
    private record Record(String executionId, String what, Runnable write) {
    }

    EngineEvents(List<ExecutionListener> listeners, ExecutionRecords records, java.util.function.Supplier<java.util.Optional<String>> fenced) {
        this.listeners = List.copyOf(listeners);
        this.records = records;
        this.fenced = fenced;
        this.thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // close() tries once more itself
    }

    /** Queues a notification of every listener. */
    void publish(Consumer<ExecutionListener> call) {
        if (!listeners.isEmpty()) {
            queue(() -> notifyListeners(call), () -> { });
        }
    }

    /** Runs a task on the events thread; when the engine is closed, runs {@code dropped} instead, here. */
    void queue(Runnable task, Runnable dropped) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("engine closed; notification dropped");
            dropped.run();
        }
    }

    /**
     * Waits until everything queued before this call was handled (for tests: a barrier instead of a
     * while of waiting).
     *
     * @return false when it took longer than {@code max}
     */
    boolean awaitQueued(java.time.Duration max) throws InterruptedException {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        queue(done::countDown, done::countDown);
        return done.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Calls every listener now; only on the events thread. A failing listener is logged and skipped.
     * Behind a closed {@link io.batchjob.core.spi.WriteFence} (this controller may no longer lead) no
     * listener is told anything: the metrics of a deposed leader do not change after the hand-over.
     */
    void notifyListeners(Consumer<ExecutionListener> call) {
        java.util.Optional<String> refusal = fenced.get();
        if (refusal.isPresent()) {
            if (!fencedLogged) {
                fencedLogged = true;
                LOG.warn("the listeners (metrics) are not told of engine events any more: {}", refusal.get());
            }
            return;
        }
        fencedLogged = false;
        for (ExecutionListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.error("execution listener {} failed", l.getClass().getName(), e);
            }
        }
    }

    /** Queues the record of an ended job (the journal). */
    void journal(String executionId, JobSummary summary) {
        queue(() -> write(executionId, ExecutionEngine.JOURNAL_FILE, "the end of the job on node " + summary.node(),
                () -> records.appendJobEnd(executionId, summary)), () -> { });
    }

    /**
     * Queues the journal line of an attempt that is followed by another ({@code jobRetries}): a
     * resumed execution counts it, and a later line with the job's end supersedes it.
     */
    void journalRetry(String executionId, String node, io.batchjob.core.spi.JobAttempt attempt) {
        queue(() -> write(executionId, ExecutionEngine.JOURNAL_FILE, "attempt " + attempt.number() + " of the job on node " + node,
                () -> records.appendRetry(executionId, node, attempt)), () -> { });
    }

    /**
     * Queues the record that a node's result was accepted ({@code _results.log}): the node, and for
     * a later attempt than the first its number ({@code <node> <attempt>}; node names have no blanks).
     */
    void resultAccepted(String executionId, String node, int attempt) {
        queue(() -> write(executionId, ExecutionEngine.RESULTS_FILE, "the result of node " + node,
                () -> records.appendResult(executionId, node, attempt)), () -> { });
    }

    /** Writes an execution's summary now; only on the events thread. Kept and written later if the volume refuses it. */
    void summary(ExecutionSummary summary) {
        write(summary.executionId(), ExecutionEngine.SUMMARY_FILE, "the summary", () -> records.writeSummary(summary));
    }

    /** Records written later than they happened, because the volume refused them (0 when all are on disk). */
    int unwrittenRecords() {
        return unwrittenCount.get();
    }

    private void write(String executionId, String file, String what, Runnable write) {
        String key = executionId + "/" + file;
        Deque<Record> waiting = unwritten.get(key);
        Record record = new Record(executionId, what, write);
        if (waiting != null) {
            waiting.add(record); // behind the earlier record of this file: the file keeps its order
            unwrittenCount.incrementAndGet();
            return;
        }
        try {
            write.run();
        } catch (io.batchjob.core.report.FencedWriteException e) {
            LOG.info("dropped {} of execution {}: {}", what, executionId, e.getMessage()); // the leader records it
        } catch (RuntimeException e) {
            unwritten.computeIfAbsent(key, k -> new ArrayDeque<>()).add(record);
            unwrittenCount.incrementAndGet();
            LOG.warn("could not write {} of execution {} ({}); kept, and written once the report volume takes it: {}", what, executionId,
                    file, e.getMessage());
            scheduleRetry();
        }
    }

    private void scheduleRetry() {
        if (!retryScheduled && !thread.isShutdown()) {
            retryScheduled = true;
            thread.schedule(this::retry, retryMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Writes the kept records, each file's in order, until one fails again. */
    private void retry() {
        retryScheduled = false;
        int written = 0;
        for (Iterator<Map.Entry<String, Deque<Record>>> it = unwritten.entrySet().iterator(); it.hasNext(); ) {
            Deque<Record> records = it.next().getValue();
            if (this.records.plan(records.peek().executionId()).isEmpty()) {
                LOG.info("dropped {} unwritten records of execution {}: it was pruned", records.size(), records.peek().executionId());
                unwrittenCount.addAndGet(-records.size());
                it.remove();
                continue;
            }
            try {
                while (!records.isEmpty()) {
                    records.peek().write().run();
                    records.poll();
                    unwrittenCount.decrementAndGet();
                    written++;
                }
                it.remove();
            } catch (io.batchjob.core.report.FencedWriteException e) {
                LOG.info("dropped {} unwritten records of execution {}: {}", records.size(), records.peek().executionId(), e.getMessage());
                unwrittenCount.addAndGet(-records.size());
                it.remove();
            } catch (RuntimeException e) {
                LOG.debug("the report volume still refuses {} of execution {}: {}", records.peek().what(), records.peek().executionId(),
                        e.getMessage());
            }
        }
        if (written > 0) {
            LOG.info("report volume: wrote {} records that had waited; {} still wait", written, unwrittenCount.get());
        }
        if (unwritten.isEmpty()) {
            retryMillis = FIRST_RETRY_MILLIS;
        } else {
            retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
            scheduleRetry();
        }
    }

    /** Stops the thread after the queued tasks (waiting briefly), trying the unwritten records once more. */
    @Override
    public void close() {
        queue(() -> {
            if (!unwritten.isEmpty()) {
                retry();
                if (!unwritten.isEmpty()) {
                    LOG.warn("{} records could not be written before the stop; the next start resumes from what is on disk",
                            unwrittenCount.get());
                }
            }
        }, () -> { });
        io.batchjob.core.Shutdown.gracefully(thread, Duration.ofSeconds(5));
    }
}

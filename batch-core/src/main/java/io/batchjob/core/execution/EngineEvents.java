package io.batchjob.core.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.JobSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The engine's one events thread: journal appends, result records, summaries and every
 * {@link ExecutionListener} call run here, in the order they were queued. Callers queue while
 * holding an execution's monitor, so the order is the order in which the state changed.
 */
final class EngineEvents implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EngineEvents.class);

    private final List<ExecutionListener> listeners;
    private final ReportStore store;
    private final ObjectWriter journalWriter;
    private final ThreadPoolExecutor thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "batch-events-1");
        t.setDaemon(true);
        return t;
    });

    EngineEvents(List<ExecutionListener> listeners, ReportStore store) {
        this.listeners = List.copyOf(listeners);
        this.store = store;
        this.journalWriter = store.json().writer().without(SerializationFeature.INDENT_OUTPUT);
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

    /** Calls every listener now; only on the events thread. A failing listener is logged and skipped. */
    void notifyListeners(Consumer<ExecutionListener> call) {
        for (ExecutionListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.error("execution listener {} failed", l.getClass().getName(), e);
            }
        }
    }

    /** Queues the journal line of an ended job ({@code _jobs.jsonl}). */
    void journal(String executionId, JobSummary summary) {
        queue(() -> {
            try {
                store.appendLine(executionId, ExecutionEngine.JOURNAL_FILE, journalWriter.writeValueAsString(summary));
            } catch (JsonProcessingException | RuntimeException e) {
                LOG.warn("could not record the end of the job on node {} in execution {}: {}", summary.node(), executionId, e.toString());
            }
        }, () -> { });
    }

    /** Queues the record that a node's result was accepted ({@code _results.log}). */
    void resultAccepted(String executionId, String node) {
        queue(() -> {
            try {
                store.appendLine(executionId, ExecutionEngine.RESULTS_FILE, node);
            } catch (RuntimeException e) {
                LOG.warn("could not record the result of node {} in execution {}: {}", node, executionId, e.toString());
            }
        }, () -> { });
    }

    /** Stops the thread after the queued tasks (waiting briefly). */
    @Override
    public void close() {
        io.batchjob.core.Shutdown.gracefully(thread, Duration.ofSeconds(5));
    }
}

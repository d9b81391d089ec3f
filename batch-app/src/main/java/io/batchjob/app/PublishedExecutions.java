package io.batchjob.app;

import io.batchjob.core.execution.RecordedExecution;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.metrics.ResultMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which executions the result metrics hold, so that a replica publishes what the others ran while it
 * was a standby: at start-up it replays the history, as a leader it hears its own executions, and
 * when it becomes the leader it catches up with the executions that appeared in the shared report
 * directory meanwhile and drops those pruned meanwhile.
 *
 * <p>Threading: {@link #replay} runs while the engine does not dispatch (at start-up, and when this
 * replica becomes the leader, before the engine is activated); the listener methods come from the
 * engine's events thread. The set is concurrent.
 */
final class PublishedExecutions implements ExecutionListener {

    private static final Logger LOG = LoggerFactory.getLogger(PublishedExecutions.class);

    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final ReportStore store;
    private final ExecutionRecords records;
    private final String metricPrefix;
    private final ResultMetrics metrics;

    PublishedExecutions(ReportStore store, ExecutionRecords records, String metricPrefix, ResultMetrics metrics) {
        this.store = store;
        this.records = records;
        this.metricPrefix = metricPrefix;
        this.metrics = metrics;
    }

    @Override
    public void onExecutionStarted(ExecutionStart start) {
        held.add(start.executionId());
    }

    @Override
    public void onExecutionPruned(String executionId) {
        held.remove(executionId);
    }

    /**
     * Publishes the kept executions the metrics do not hold yet (within what is left of
     * {@code maxSeries}) and drops the ones no longer kept.
     *
     * @return how many executions were replayed
     */
    int replay(long maxSeries) {
        Set<String> kept = new HashSet<>(records.executionIds());
        for (String id : Set.copyOf(held)) {
            if (!kept.contains(id)) {
                metrics.onExecutionPruned(id);
                held.remove(id);
            }
        }
        ExecutionListener both = new ExecutionListener() {
            @Override
            public void onExecutionStarted(ExecutionStart start) {
                metrics.onExecutionStarted(start);
                held.add(start.executionId());
            }

            @Override
            public void onResultReceived(String executionId, String node, JobResult result) {
                metrics.onResultReceived(executionId, node, result);
            }

            @Override
            public void onJobEnded(String executionId, JobSummary job) {
                metrics.onJobEnded(executionId, job);
            }
        };
        int replayed = RecordedExecution.replay(records, store, metricPrefix, both, metrics, Math.max(0, maxSeries - metrics.heldSeries()),
                id -> !held.contains(id));
        if (replayed > 0) {
            LOG.info("result metrics of {} kept executions published from {}", replayed, store.root());
        }
        return replayed;
    }
}

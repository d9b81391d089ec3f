package io.batchjob.core.execution;

import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.ResultParser;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.JobAttempt;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.spi.ResultFootprint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the engine recorded about one execution ({@link ExecutionRecords#read}): its plan, the ends
 * of its jobs (a later end of a node wins; attempts followed by another are kept apart) and the
 * nodes whose result it accepted — never guessed from file names, which another node's upload could
 * have made. Read when an execution is resumed, and at start-up to tell listeners (the result
 * metrics) about the executions kept in the history.
 *
 * @param plan     the plan
 * @param ended    each ended job's last summary, by node
 * @param reported the nodes whose result was accepted, in order
 * @param retried  for nodes whose job has not ended, the attempts that did not succeed and were followed by
 *                 another, oldest first
 * @param reportedAttempt for each node in {@code reported}, the latest attempt whose result was accepted
 */
public record RecordedExecution(ExecutionPlan plan, Map<String, JobSummary> ended, Set<String> reported,
                               Map<String, List<JobAttempt>> retried, Map<String, Integer> reportedAttempt) {

    private static final Logger LOG = LoggerFactory.getLogger(RecordedExecution.class);

    /**
     * The records as read in the order they were written: a node's last end wins, and an end
     * supersedes the node's retried attempts (the end lists its attempts itself). Copies everything.
     */
    public static RecordedExecution of(ExecutionPlan plan, Map<String, JobSummary> ended, Map<String, List<JobAttempt>> retried,
                                       Set<String> reported, Map<String, Integer> reportedAttempt) {
        Map<String, List<JobAttempt>> open = new java.util.LinkedHashMap<>();
        retried.forEach((node, list) -> {
            if (!ended.containsKey(node)) {
                open.put(node, List.copyOf(list));
            }
        });
        return new RecordedExecution(plan, Map.copyOf(ended), Set.copyOf(reported), Map.copyOf(open), Map.copyOf(reportedAttempt));
    }

    /**
     * Tells a listener about every recorded execution (oldest first) as if it were happening now: its
     * start, each accepted result (parsed again from {@code <node>.json}) and each job end. So the
     * result metrics of the history survive a restart. Unreadable results are skipped with a warning.
     *
     * @param metricPrefix the prefix results are parsed with
     * @return how many executions were replayed
     */
    public static int replay(ExecutionRecords records, ReportStore store, String metricPrefix, ExecutionListener listener) {
        return replay(records, store, metricPrefix, listener, ResultFootprint.NONE, Long.MAX_VALUE);
    }

    /**
     * As {@link #replay(ExecutionRecords, ReportStore, String, ExecutionListener)}, within a budget: newest first, the
     * results that fit into {@code maxSeries} (as the footprint counts them, with two series per node
     * for processing and duration) are chosen, then replayed oldest first; older results that do not
     * fit are left out with one warning (their reports stay on disk), so a restart never needs more
     * memory than the running controller was allowed.
     */
    public static int replay(ExecutionRecords records, ReportStore store, String metricPrefix, ExecutionListener listener,
                             ResultFootprint footprint, long maxSeries) {
        return replay(records, store, metricPrefix, listener, footprint, maxSeries, id -> true);
    }

    /**
     * As {@link #replay(ExecutionRecords, ReportStore, String, ExecutionListener, ResultFootprint, long)}, for the kept
     * executions {@code which} accepts only: e.g. a standby that becomes the leader catches up with
     * the executions other replicas ran meanwhile.
     */
    public static int replay(ExecutionRecords records, ReportStore store, String metricPrefix, ExecutionListener listener,
                             ResultFootprint footprint, long maxSeries, java.util.function.Predicate<String> which) {
        // Only what the choice needs is kept meanwhile (not every job's summary of the whole history).
        record Kept(String id, int nodes, Set<String> reported) {
        }
        List<Kept> kept = new ArrayList<>();
        for (String id : records.executionIds()) {
            if (!which.test(id)) {
                continue;
            }
            records.read(id).ifPresent(r -> kept.add(new Kept(id, r.plan().nodes().size(), r.reported())));
        }
        // Choose newest first: what a restart keeps is the recent history.
        Set<String> chosen = new java.util.HashSet<>();
        Set<String> executions = new java.util.HashSet<>();
        long used = 0;
        int leftOut = 0;
        for (int i = kept.size() - 1; i >= 0; i--) {
            String id = kept.get(i).id();
            long perNode = footprint.seriesFor(2L * kept.get(i).nodes());
            if (used + perNode > maxSeries) {
                leftOut += kept.get(i).reported().size();
                continue;
            }
            used += perNode;
            executions.add(id);
            for (String node : kept.get(i).reported()) {
                Optional<JobResult> result = storedResult(store, id, node, metricPrefix);
                long cost = result.map(res -> footprint.seriesFor(res.valueCount())).orElse(0L);
                if (used + cost > maxSeries) {
                    leftOut++;
                } else if (result.isPresent()) {
                    used += cost;
                    chosen.add(id + "/" + node);
                }
            }
        }
        if (leftOut > 0) {
            LOG.warn("start-up: {} stored results of older executions are not published as metrics again: with them the series in"
                    + " memory would exceed maxSeriesInMemory ({}); their reports stay in the report directory", leftOut, maxSeries);
        }
        int replayed = 0;
        for (Kept k : kept) {
            String id = k.id();
            Optional<RecordedExecution> recorded = executions.contains(id) ? records.read(id) : Optional.empty();
            if (recorded.isEmpty()) {
                continue;
            }
            RecordedExecution r = recorded.get();
            listener.onExecutionStarted(new ExecutionStart(id, r.plan().cause(), r.plan().startedAt(), r.plan().nodes(), true));
            for (String node : r.reported()) {
                if (chosen.contains(id + "/" + node)) {
                    storedResult(store, id, node, metricPrefix).ifPresent(result -> listener.onResultReceived(id, node, result));
                }
            }
            r.ended().values().forEach(summary -> listener.onJobEnded(id, summary));
            replayed++;
        }
        return replayed;
    }

    /** Whether a kept execution's plan records that it answered this request. */
    public static boolean anyAnswers(ExecutionRecords records, String request) {
        if (request == null) {
            return false;
        }
        for (String id : records.executionIds()) {
            Optional<ExecutionPlan> plan = records.plan(id);
            if (plan.isPresent() && request.equals(plan.get().request())) {
                return true;
            }
        }
        return false;
    }

    static Optional<JobResult> storedResult(ReportStore store, String id, String node, String metricPrefix) {
        Path file = store.fileOf(id, node + ".json");
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            return Optional.of(ResultParser.parse(Files.readAllBytes(file), metricPrefix, new ArrayList<>()));
        } catch (IOException | RuntimeException e) { // InvalidResultException included
            LOG.warn("execution {}: the stored result of node {} cannot be read again: {}", id, node, e.getMessage());
            return Optional.empty();
        }
    }
}

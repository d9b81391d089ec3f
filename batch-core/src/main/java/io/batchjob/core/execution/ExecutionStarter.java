package io.batchjob.core.execution;

import io.batchjob.core.report.FileNames;
import io.batchjob.core.report.ReportException;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.NodeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Prepares a new execution: lists the nodes, writes the plan, deletes the jobs of earlier
 * executions, points {@code latest} at it and prunes the history. Runs on the triggering thread,
 * outside every monitor (it does IO and backend calls).
 */
final class ExecutionStarter {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutionStarter.class);

    /** A prepared execution, or why there is none. */
    sealed interface Prepared {
        /** Ready to run: its jobs are pending; {@code pruned} executions left the history. */
        record Ready(Execution execution, List<String> pruned, ExecutionPlan plan) implements Prepared {
        }

        /** Could not be prepared. */
        record Failed(String reason, Exception cause) implements Prepared {
        }
    }

    private final NodeSource nodeSource;
    private final RunContext context;
    private final ExecutionIds ids;

    ExecutionStarter(NodeSource nodeSource, RunContext context, ExecutionIds ids) {
        this.nodeSource = nodeSource;
        this.context = context;
        this.ids = ids;
    }

    /**
     * @param request       what to run and why
     * @param reportHistory executions to keep
     */
    Prepared prepare(TriggerRequest request, int reportHistory) {
        return prepare(request, reportHistory, List.of());
    }

    /**
     * @param first nodes to dispatch before the others when they are selected (those a replaced
     *              execution did not finish); the rest keep the node source's order. Not used for a
     *              request that names its nodes
     */
    Prepared prepare(TriggerRequest request, int reportHistory, List<String> first) {
        String cause = request.cause();
        List<String> selected;
        try {
            // A re-run keeps the order of the nodes it names.
            selected = request.nodes() != null ? usable(request.nodes()) : firstOf(usable(nodeSource.listNodes()), first);
        } catch (RuntimeException e) {
            return new Prepared.Failed("cannot list nodes: " + e.getMessage(), e);
        }
        ReportStore store = context.store();
        String id = ids.next();
        Instant now = context.clock().instant();
        ExecutionPlan plan;
        try {
            store.createExecution(id);
            plan = new ExecutionPlan(id, cause, now, selected, request.request(), request.skipped());
            context.records().writePlan(plan);
        } catch (ReportException e) {
            return new Prepared.Failed("cannot write to the report directory: " + e.getMessage(), e);
        }
        try {
            context.backend().deleteJobsExcept(id);
        } catch (RuntimeException e) {
            LOG.warn("could not delete the jobs of earlier executions (continuing): {}", e.toString());
        }
        try {
            store.pointLatestAt(id);
        } catch (ReportException e) {
            LOG.warn("could not update the latest link: {}", e.getMessage());
        }
        Execution ex = new Execution(id, cause, now, false);
        ex.skipped = request.skipped();
        selected.forEach(n -> {
            Job job = new Job(n);
            ex.jobs.put(n, job);
            ex.pending.add(job);
        });
        return new Prepared.Ready(ex, prune(reportHistory), plan);
    }

    /** The nodes the node source lists now (for a re-run's "still selected" check). */
    List<String> listNodes() {
        return nodeSource.listNodes();
    }

    private static List<String> firstOf(List<String> selected, List<String> first) {
        if (first.isEmpty()) {
            return selected;
        }
        LinkedHashSet<String> ordered = new LinkedHashSet<>();
        java.util.Set<String> present = new java.util.HashSet<>(selected);
        first.stream().filter(present::contains).forEach(ordered::add);
        ordered.addAll(selected);
        return List.copyOf(ordered);
    }

    /** Node names become file names; a leading '_' or '.' could clash with our own files. */
    private static List<String> usable(List<String> listed) {
        LinkedHashSet<String> nodes = new LinkedHashSet<>();
        for (String n : listed) {
            if (n == null || !FileNames.isSafe(n) || n.startsWith("_") || n.startsWith(".") || !FileNames.isSafe(n + ".json")) {
                LOG.warn("node {} is skipped: its name cannot be used in report file names", n);
                continue;
            }
            nodes.add(n);
        }
        return List.copyOf(nodes);
    }

    private List<String> prune(int reportHistory) {
        try {
            // The report directories (with the file records in them), and records kept elsewhere.
            java.util.Set<String> gone = new java.util.TreeSet<>(io.batchjob.core.report.ReportStore.BY_EXECUTION_ID);
            gone.addAll(context.store().prune(reportHistory));
            gone.addAll(context.records().prune(reportHistory));
            List<String> pruned = List.copyOf(gone);
            if (!pruned.isEmpty()) {
                LOG.info("deleted {} old execution(s) beyond the history of {}: {}", pruned.size(), reportHistory, pruned);
            }
            return pruned;
        } catch (ReportException e) {
            LOG.warn("could not prune old executions: {}", e.getMessage());
            return List.of();
        }
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which nodes a re-run of a finished execution covers: those whose job did not succeed (failed,
 * no report, timed out, replaced) and that are still listed by the node source (Ready and
 * selected); the others are named as skipped. An execution that has not finished is not re-run.
 */
final class Reruns {

    /** A re-run that starts nothing, and why. */
    static final class RerunRefusedException extends Exception {
        RerunRefusedException(String message) {
            super(message, null, false, false);
        }
    }

    private Reruns() {
    }

    /**
     * @param idOrLatest an execution of the report history, or {@code latest}
     * @param listed     the nodes the node source lists now
     * @param request    the operator's request, recorded in the plan (may be null)
     * @throws RerunRefusedException when the execution is unknown or nothing is left to re-run
     */
    static TriggerRequest plan(ExecutionRecords recorded, ReportStore store, String idOrLatest, List<String> listed, String request)
            throws RerunRefusedException {
        String id = resolve(store, idOrLatest);
        RecordedExecution records = recorded.read(id)
                .orElseThrow(() -> new RerunRefusedException("execution " + id + " has no plan: it was not started by this controller"));
        Optional<ExecutionSummary> summary = recorded.summary(id);
        if (summary.isEmpty()) {
            throw new RerunRefusedException("execution " + id + " has not finished yet: re-run it once it has");
        }
        Map<String, JobOutcome> outcomes = new LinkedHashMap<>();
        records.ended().forEach((node, ended) -> outcomes.put(node, ended.outcome()));
        // The summary, when written, is the last word (a late result may have turned "no report" into "succeeded").
        summary.get().jobs().forEach(j -> outcomes.put(j.node(), j.outcome()));
        List<String> notSucceeded = records.plan().nodes().stream().filter(n -> outcomes.get(n) != JobOutcome.SUCCEEDED).toList();
        if (notSucceeded.isEmpty()) {
            throw new RerunRefusedException("every node of execution " + id + " succeeded: nothing to re-run");
        }
        Set<String> available = new HashSet<>(listed);
        List<String> nodes = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String n : notSucceeded) {
            (available.contains(n) ? nodes : skipped).add(n);
        }
        if (nodes.isEmpty()) {
            throw new RerunRefusedException("none of the " + notSucceeded.size() + " node(s) of execution " + id
                    + " that did not succeed is still Ready and selected: " + String.join(", ", skipped));
        }
        return new TriggerRequest("rerun:" + id, nodes, request, skipped);
    }

    private static String resolve(ReportStore store, String idOrLatest) throws RerunRefusedException {
        if (idOrLatest == null || idOrLatest.isBlank()) {
            throw new RerunRefusedException("no execution named: use an execution ID or 'latest'");
        }
        String value = idOrLatest.trim();
        if (ReportStore.LATEST.equals(value)) {
            Optional<String> latest = store.latest().filter(store::exists);
            return latest.orElseThrow(() -> new RerunRefusedException("there is no latest execution yet"));
        }
        if (!ReportStore.isExecutionId(value) || !store.exists(value)) {
            throw new RerunRefusedException("execution '" + printable(value) + "' is not in the report history");
        }
        return value;
    }

    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}

package io.batchjob.core.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobAttempt;
import io.batchjob.core.spi.JobSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's records as files of each execution in the report store (as the controller always kept
 * them, so report directories of earlier versions resume): {@value ExecutionEngine#PLAN_FILE}, the
 * journal {@value ExecutionEngine#JOURNAL_FILE} (a JSON line per job end or retried attempt),
 * {@value ExecutionEngine#RESULTS_FILE} ({@code <node>} or {@code <node> <attempt>} per accepted
 * result) and {@value ExecutionEngine#SUMMARY_FILE}. Pruning deletes the execution's directory,
 * reports included. Thread-safe as the store is; every write goes through the store's fence.
 */
public final class FileExecutionRecords implements ExecutionRecords {

    private static final Logger LOG = LoggerFactory.getLogger(FileExecutionRecords.class);

    /** A journal line for an attempt that is followed by another. */
    record RetryLine(String node, JobAttempt retry) {
    }

    private final ReportStore store;
    private final ObjectWriter lines;

    public FileExecutionRecords(ReportStore store) {
        this.store = store;
        // One line each: no indentation.
        this.lines = store.json().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    }

    @Override
    public void writePlan(ExecutionPlan plan) {
        store.writeJson(plan.executionId(), ExecutionEngine.PLAN_FILE, plan);
    }

    @Override
    public void appendJobEnd(String executionId, JobSummary summary) {
        store.appendLine(executionId, ExecutionEngine.JOURNAL_FILE, line(summary));
    }

    @Override
    public void appendRetry(String executionId, String node, JobAttempt attempt) {
        store.appendLine(executionId, ExecutionEngine.JOURNAL_FILE, line(new RetryLine(node, attempt)));
    }

    @Override
    public void appendResult(String executionId, String node, int attempt) {
        store.appendLine(executionId, ExecutionEngine.RESULTS_FILE, attempt <= 1 ? node : node + " " + attempt);
    }

    @Override
    public void writeSummary(ExecutionSummary summary) {
        store.writeJson(summary.executionId(), ExecutionEngine.SUMMARY_FILE, summary);
    }

    @Override
    public List<String> executionIds() {
        return store.executionIds().stream().filter(id -> store.hasFile(id, ExecutionEngine.PLAN_FILE)).toList();
    }

    @Override
    public Optional<ExecutionPlan> plan(String executionId) {
        return readable(executionId, ExecutionEngine.PLAN_FILE, ExecutionPlan.class);
    }

    @Override
    public Optional<ExecutionSummary> summary(String executionId) {
        return readable(executionId, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class);
    }

    /**
     * A record file read, or empty when it is missing or not what the engine writes (cut short by a crash,
     * edited by hand): one unreadable file must not take the status API or a resume down. It stays on disk.
     * A volume that cannot be read at all still fails.
     */
    private <T> Optional<T> readable(String executionId, String file, Class<T> type) {
        try {
            return store.readJson(executionId, file, type);
        } catch (io.batchjob.core.report.ReportStorageException e) {
            if (!(e.getCause() instanceof JsonProcessingException)) {
                throw e;
            }
            LOG.warn("execution {}: {} is not readable as the engine writes it, ignored: {}", executionId, file,
                    e.getCause().getMessage().lines().findFirst().orElse(""));
            return Optional.empty();
        }
    }

    @Override
    public Optional<RecordedExecution> read(String executionId) {
        Optional<ExecutionPlan> plan = plan(executionId);
        if (plan.isEmpty()) {
            return Optional.empty();
        }
        Map<String, JobSummary> ended = new LinkedHashMap<>();
        Map<String, List<JobAttempt>> retried = new LinkedHashMap<>();
        for (String line : store.readLines(executionId, ExecutionEngine.JOURNAL_FILE)) {
            try {
                JsonNode tree = store.json().readTree(line);
                if (tree != null && tree.has("retry")) {
                    RetryLine r = store.json().treeToValue(tree, RetryLine.class);
                    retried.computeIfAbsent(r.node(), n -> new ArrayList<>()).add(r.retry());
                    continue;
                }
                JobSummary s = store.json().treeToValue(tree, JobSummary.class);
                ended.put(s.node(), s); // a later line (a late result) wins
            } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
                LOG.warn("execution {}: skipping an unreadable journal line: {}", executionId, e.getMessage());
            }
        }
        Set<String> reported = new LinkedHashSet<>();
        Map<String, Integer> reportedAttempt = new LinkedHashMap<>();
        for (String line : store.readLines(executionId, ExecutionEngine.RESULTS_FILE)) {
            int blank = line.indexOf(' ');
            String node = blank < 0 ? line : line.substring(0, blank);
            int attempt = 1;
            if (blank >= 0) {
                try {
                    attempt = Integer.parseInt(line.substring(blank + 1).trim());
                } catch (NumberFormatException e) {
                    LOG.warn("execution {}: unreadable attempt in the results record '{}'", executionId, line);
                }
            }
            reported.add(node);
            reportedAttempt.merge(node, attempt, Math::max);
        }
        return Optional.of(RecordedExecution.of(plan.get(), ended, retried, reported, reportedAttempt));
    }

    @Override
    public List<String> prune(int keep) {
        return store.prune(keep);
    }

    private String line(Object value) {
        try {
            return lines.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a journal record cannot be serialised: " + e.getMessage(), e);
        }
    }
}

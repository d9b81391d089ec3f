package io.batchjob.core.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.batchjob.core.report.FileNames;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobAttempt;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The status of the executions in the report history, for the status API: the running one live
 * from the engine, the others from what was recorded (plan, journal, summary). Read-only; safe
 * from any thread (each call reads the disk and takes the engine's snapshot anew).
 */
public final class ExecutionStatus {

    /** Where an execution is: running here, finished, or interrupted (no summary, not running here). */
    public enum State { RUNNING, FINISHED, INTERRUPTED }

    /**
     * One execution, in the list.
     *
     * @param counts jobs per outcome ({@code SUCCEEDED}, {@code FAILED}, ...), per state for jobs
     *               that have not ended ({@code PENDING}, {@code RUNNING}), and {@code SKIPPED} nodes
     *               a re-run asked for that were no longer Ready or selected
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Overview(String executionId, String cause, State state, Instant startedAt, Instant endedAt, Map<String, Integer> counts) {
    }

    /**
     * One node of an execution.
     *
     * @param files     the first {@value #FILES_PER_NODE} of its files in name order (null when not listed)
     * @param moreFiles how many more it has (null when none): the execution's file listing pages through them all
     * @param attempts  how many times its job was started, when more than once ({@code jobRetries}); null otherwise
     * @param retried   its earlier attempts that did not succeed, oldest first (null when none)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NodeStatus(String node, JobState state, JobOutcome outcome, Instant startedAt, Instant endedAt, Long durationMillis,
                             String reason, List<String> files, Integer moreFiles, Integer attempts, List<JobAttempt> retried) {

        NodeStatus withFiles(List<String> files, Integer moreFiles) {
            return new NodeStatus(node, state, outcome, startedAt, endedAt, durationMillis, reason, files, moreFiles, attempts, retried);
        }
    }

    /** {@code attempts} as the status shows it: only when a job was started more than once. */
    static Integer attemptOf(int attempts) {
        return attempts > 1 ? attempts : null;
    }

    static List<JobAttempt> retriedOf(List<JobAttempt> retried) {
        return retried.isEmpty() ? null : retried;
    }

    /** Files listed per node in a detail; a job with more is summarised by a count, so a detail stays small. */
    public static final int FILES_PER_NODE = 20;

    /**
     * One execution with its nodes.
     *
     * @param unseen nodes whose results are not in this report directory: their jobs ended before this controller took
     *               the execution over from one with a directory of its own (null when none)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Detail(String executionId, String cause, State state, Instant startedAt, Instant endedAt, Map<String, Integer> counts,
                         List<String> skipped, List<NodeStatus> nodes, List<String> unseen) {
        Overview overview() {
            return new Overview(executionId, cause, state, startedAt, endedAt, counts);
        }
    }

    private final ReportStore store;
    private final ExecutionRecords records;
    private final Supplier<Optional<Detail>> live;
    /**
     * Finished executions never change: their details (without files) are kept, the most recent
     * {@value #CACHED} of them, so a dashboard over a long history does not parse every summary on
     * every view. Access-ordered; guarded by itself.
     */
    private final Map<String, Detail> finished = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Detail> eldest) {
            return size() > CACHED;
        }
    };
    private static final int CACHED = 64;

    /**
     * @param live the running execution's detail (e.g. {@link ExecutionEngine#liveStatus()}); empty when none runs here
     */
    public ExecutionStatus(ReportStore store, ExecutionRecords records, Supplier<Optional<Detail>> live) {
        this.store = store;
        this.records = records;
        this.live = live;
    }

    /** The recorded executions of the report history, newest first. */
    public List<Overview> executions() {
        Optional<Detail> running = live.get();
        List<String> ids = new ArrayList<>(records.executionIds());
        ids.sort(ReportStore.BY_EXECUTION_ID.reversed());
        List<Overview> out = new ArrayList<>();
        for (String id : ids) {
            if (running.isPresent() && running.get().executionId().equals(id)) {
                out.add(running.get().overview());
            } else {
                recorded(id, false).map(Detail::overview).ifPresent(out::add);
            }
        }
        return out;
    }

    /** Whether the engine recorded this execution (its plan); a report directory without records is the Go controller's, or uploads only. */
    public boolean isRecorded(String id) {
        return records.plan(id).isPresent();
    }

    /** A finished execution's summary; empty while it runs or was interrupted, and without records. */
    public Optional<ExecutionSummary> summary(String id) {
        return records.summary(id);
    }

    /** One execution ({@code latest} allowed), with its nodes; empty when it is not in the history. */
    public Optional<Detail> execution(String idOrLatest) {
        String id = ReportStore.LATEST.equals(idOrLatest) ? store.latest().orElse(null) : idOrLatest;
        if (id == null || !ReportStore.isExecutionId(id) || !store.exists(id)) {
            return Optional.empty();
        }
        Optional<Detail> running = live.get().filter(d -> d.executionId().equals(id));
        return running.map(d -> withFiles(d)).or(() -> recorded(id));
    }

    /** As {@link #execution}, without listing each node's files (cheaper, for overviews of many executions). */
    public Optional<Detail> executionWithoutFiles(String id) {
        if (!ReportStore.isExecutionId(id) || !store.exists(id)) {
            return Optional.empty();
        }
        Optional<Detail> running = live.get().filter(d -> d.executionId().equals(id));
        return running.or(() -> recorded(id, false));
    }

    /**
     * Several executions without files, in the given order; the ones not kept yet are read in
     * parallel (the common pool: at most one thread per core besides the caller).
     */
    public List<Detail> executionsWithoutFiles(List<String> ids) {
        return ids.parallelStream().map(this::executionWithoutFiles).flatMap(Optional::stream).toList();
    }

    private Optional<Detail> recorded(String id) {
        return recorded(id, true);
    }

    private Optional<Detail> recorded(String id, boolean withFiles) {
        if (!withFiles) {
            synchronized (finished) {
                Detail cached = finished.get(id);
                if (cached != null) {
                    return Optional.of(cached);
                }
            }
        }
        Optional<Detail> read = read(id, withFiles);
        if (!withFiles && read.isPresent() && read.get().state() == State.FINISHED) {
            synchronized (finished) {
                finished.put(id, read.get());
            }
        }
        return read;
    }

    private Optional<Detail> read(String id, boolean withFiles) {
        Optional<ExecutionPlan> planned = records.plan(id);
        if (planned.isEmpty()) {
            return Optional.empty(); // not started by an engine (e.g. a Go controller's execution)
        }
        ExecutionPlan plan = planned.get();
        Optional<ExecutionSummary> summary = records.summary(id);
        Map<String, JobSummary> ended = new LinkedHashMap<>();
        if (summary.isPresent()) {
            summary.get().jobs().forEach(j -> ended.put(j.node(), j)); // complete: the journal adds nothing
        } else {
            records.read(id).ifPresent(r -> ended.putAll(r.ended()));
        }
        List<NodeStatus> nodes = new ArrayList<>();
        Map<String, NodeFiles> files = withFiles ? filesByNode(id, plan.nodes()) : Map.of();
        for (String node : plan.nodes()) {
            JobSummary j = ended.get(node);
            NodeFiles f = files.get(node);
            nodes.add(j == null
                    ? new NodeStatus(node, JobState.PENDING, null, null, null, null, null, f == null ? null : f.first(), f == null ? null : f.more(),
                            null, null)
                    : ended(j, f));
        }
        return Optional.of(new Detail(id, plan.cause(), summary.isPresent() ? State.FINISHED : State.INTERRUPTED, plan.startedAt(),
                summary.map(ExecutionSummary::endedAt).orElse(null), counts(nodes, plan.skipped()), plan.skipped(), nodes,
                summary.map(ExecutionSummary::unseen).flatMap(u -> u.isEmpty() ? Optional.empty() : Optional.of(u)).orElse(null)));
    }

    private Detail withFiles(Detail d) {
        Map<String, NodeFiles> files = filesByNode(d.executionId(), d.nodes().stream().map(NodeStatus::node).toList());
        List<NodeStatus> nodes = d.nodes().stream().map(n -> {
            NodeFiles f = files.get(n.node());
            return n.withFiles(f == null ? null : f.first(), f == null ? null : f.more());
        }).toList();
        return new Detail(d.executionId(), d.cause(), d.state(), d.startedAt(), d.endedAt(), d.counts(), d.skipped(), nodes, d.unseen());
    }

    static NodeStatus ended(JobSummary j, NodeFiles files) {
        Long duration = j.startedAt() != null && j.endedAt() != null ? Duration.between(j.startedAt(), j.endedAt()).toMillis() : null;
        return new NodeStatus(j.node(), JobState.ENDED, j.outcome(), j.startedAt(), j.endedAt(), duration, j.reason(),
                files == null ? null : files.first(), files == null ? null : files.more(), attemptOf(j.attempts()), retriedOf(j.retried()));
    }

    /** As {@link #counts(List)}, with {@code SKIPPED}: nodes a re-run asked for that were no longer there. */
    static Map<String, Integer> counts(List<NodeStatus> nodes, List<String> skipped) {
        Map<String, Integer> counts = counts(nodes);
        counts.put("SKIPPED", skipped.size());
        return counts;
    }

    static Map<String, Integer> counts(List<NodeStatus> nodes) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (JobOutcome o : JobOutcome.values()) {
            counts.put(o.name(), 0);
        }
        counts.put(JobState.PENDING.name(), 0);
        counts.put(JobState.RUNNING.name(), 0);
        counts.put(JobState.RETRYING.name(), 0);
        for (NodeStatus n : nodes) {
            counts.merge(n.state() == JobState.ENDED ? n.outcome().name() : n.state().name(), 1, Integer::sum);
        }
        return counts;
    }

    /** A node's first files (name order) and how many more it has (null when none). */
    record NodeFiles(List<String> first, Integer more) {
    }

    /**
     * Each node's files: its result and the files carrying its name as prefix (the longest node
     * wins). Streamed once; per node only the {@value #FILES_PER_NODE} smallest names are kept, so
     * memory stays bounded whatever a job uploaded.
     */
    private Map<String, NodeFiles> filesByNode(String id, List<String> nodes) {
        Map<String, java.util.PriorityQueue<String>> first = new LinkedHashMap<>();
        Map<String, Integer> counts = new java.util.HashMap<>();
        nodes.forEach(n -> first.put(n, new java.util.PriorityQueue<>(FILES_PER_NODE + 1, Comparator.reverseOrder())));
        Path dir = store.executionDirectory(id);
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path p : files) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".") || !FileNames.isSafe(name)) {
                        continue;
                    }
                    String node = nodeOf(name, first.keySet());
                    if (node != null) {
                        counts.merge(node, 1, Integer::sum);
                        java.util.PriorityQueue<String> kept = first.get(node);
                        kept.add(name);
                        if (kept.size() > FILES_PER_NODE) {
                            kept.poll();
                        }
                    }
                }
            } catch (IOException e) {
                // listed without files rather than not at all
            }
        }
        Map<String, NodeFiles> out = new LinkedHashMap<>();
        first.forEach((node, kept) -> {
            List<String> names = new ArrayList<>(kept);
            names.sort(null);
            int more = counts.getOrDefault(node, 0) - names.size();
            out.put(node, new NodeFiles(List.copyOf(names), more > 0 ? more : null));
        });
        return out;
    }

    /** The node a file belongs to: {@code <node>.json}, or the longest node that prefixes it with {@code <node>-}. */
    static String nodeOf(String name, java.util.Set<String> nodes) {
        if (name.endsWith(".json") && nodes.contains(name.substring(0, name.length() - 5))) {
            return name.substring(0, name.length() - 5);
        }
        for (int i = name.lastIndexOf('-'); i > 0; i = name.lastIndexOf('-', i - 1)) {
            String prefix = name.substring(0, i);
            if (nodes.contains(prefix)) {
                return prefix;
            }
        }
        return null;
    }
}

package io.batchjob.core.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.batchjob.core.report.FileNames;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
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

    /** Where a node's job is. */
    public enum NodeState { PENDING, RUNNING, ENDED }

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

    /** One node of an execution. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NodeStatus(String node, NodeState state, JobOutcome outcome, Instant startedAt, Instant endedAt, Long durationMillis,
                             String reason, List<String> files) {
    }

    /** One execution with its nodes. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Detail(String executionId, String cause, State state, Instant startedAt, Instant endedAt, Map<String, Integer> counts,
                         List<String> skipped, List<NodeStatus> nodes) {
        Overview overview() {
            return new Overview(executionId, cause, state, startedAt, endedAt, counts);
        }
    }

    private final ReportStore store;
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
    public ExecutionStatus(ReportStore store, Supplier<Optional<Detail>> live) {
        this.store = store;
        this.live = live;
    }

    /** The executions of the report history, newest first. */
    public List<Overview> executions() {
        Optional<Detail> running = live.get();
        List<String> ids = new ArrayList<>(store.executionIds());
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
        Optional<ExecutionPlan> planned = store.readJson(id, ExecutionEngine.PLAN_FILE, ExecutionPlan.class);
        if (planned.isEmpty()) {
            return Optional.empty(); // not started by an engine (e.g. a Go controller's execution)
        }
        ExecutionPlan plan = planned.get();
        Optional<ExecutionSummary> summary = store.readJson(id, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class);
        Map<String, JobSummary> ended = new LinkedHashMap<>();
        if (summary.isPresent()) {
            summary.get().jobs().forEach(j -> ended.put(j.node(), j)); // complete: the journal adds nothing
        } else {
            ExecutionRecords.read(store, id).ifPresent(r -> ended.putAll(r.ended()));
        }
        List<NodeStatus> nodes = new ArrayList<>();
        Map<String, List<String>> files = withFiles ? filesByNode(id, plan.nodes()) : Map.of();
        for (String node : plan.nodes()) {
            JobSummary j = ended.get(node);
            nodes.add(j == null
                    ? new NodeStatus(node, NodeState.PENDING, null, null, null, null, null, files.get(node))
                    : ended(j, files.get(node)));
        }
        return Optional.of(new Detail(id, plan.cause(), summary.isPresent() ? State.FINISHED : State.INTERRUPTED, plan.startedAt(),
                summary.map(ExecutionSummary::endedAt).orElse(null), counts(nodes, plan.skipped()), plan.skipped(), nodes));
    }

    private Detail withFiles(Detail d) {
        Map<String, List<String>> files = filesByNode(d.executionId(), d.nodes().stream().map(NodeStatus::node).toList());
        List<NodeStatus> nodes = d.nodes().stream().map(n -> new NodeStatus(n.node(), n.state(), n.outcome(), n.startedAt(), n.endedAt(),
                n.durationMillis(), n.reason(), files.get(n.node()))).toList();
        return new Detail(d.executionId(), d.cause(), d.state(), d.startedAt(), d.endedAt(), d.counts(), d.skipped(), nodes);
    }

    static NodeStatus ended(JobSummary j, List<String> files) {
        Long duration = j.startedAt() != null && j.endedAt() != null ? Duration.between(j.startedAt(), j.endedAt()).toMillis() : null;
        return new NodeStatus(j.node(), NodeState.ENDED, j.outcome(), j.startedAt(), j.endedAt(), duration, j.reason(), files);
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
        counts.put(NodeState.PENDING.name(), 0);
        counts.put(NodeState.RUNNING.name(), 0);
        for (NodeStatus n : nodes) {
            counts.merge(n.state() == NodeState.ENDED ? n.outcome().name() : n.state().name(), 1, Integer::sum);
        }
        return counts;
    }

    /** Each node's files: its result and the files carrying its name as prefix (the longest node wins). */
    private Map<String, List<String>> filesByNode(String id, List<String> nodes) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        nodes.forEach(n -> out.put(n, new ArrayList<>()));
        Path dir = store.executionDirectory(id);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        List<String> byLength = nodes.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || !FileNames.isSafe(name) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                for (String node : byLength) {
                    if (name.equals(node + ".json") || name.startsWith(node + "-")) {
                        out.get(node).add(name);
                        break;
                    }
                }
            }
        } catch (IOException e) {
            return out; // listed without files rather than not at all
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobSummary;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One execution's jobs and pool. Every mutable field is guarded by this object's monitor, held
 * only for short, IO-free sections by {@link ExecutionEngine}.
 */
final class Execution {
    final String id;
    final String cause;
    final Instant startedAt;
    final boolean resumed;
    final Map<String, Job> jobs = new LinkedHashMap<>();
    final Deque<Job> pending = new ArrayDeque<>();
    final CompletableFuture<ExecutionSummary> completion = new CompletableFuture<>();
    /** Nodes a re-run asked for that are not run (set before the execution is shared). */
    List<String> skipped = List.of();
    /** Nodes whose jobs ended before this controller adopted the execution from the API (their results are elsewhere). */
    List<String> unseen = List.of();

    int inFlight;
    int ended;
    int peakInFlight;
    int reportedDecile;
    /** Running, finishing (its summary being written) or stopped (this controller gave it up: lost the lead, closed). */
    ExecutionState state = ExecutionState.RUNNING;

    Execution(String id, String cause, Instant startedAt, boolean resumed) {
        this.id = id;
        this.cause = cause;
        this.startedAt = startedAt;
        this.resumed = resumed;
    }

    boolean isComplete() {
        return ended == jobs.size() && inFlight == 0;
    }

    ExecutionSummary summary(Instant endedAt) {
        List<JobSummary> list = new ArrayList<>(jobs.size());
        for (Job j : jobs.values()) {
            list.add(j.summary());
        }
        return new ExecutionSummary(id, cause, startedAt, endedAt, resumed, list, unseen);
    }

    ExecutionProgress progress() {
        int running = 0;
        for (Job j : jobs.values()) {
            if (j.state.isActive()) {
                running++;
            }
        }
        return new ExecutionProgress(id, cause, startedAt, jobs.size(), pending.size(), running, ended, resumed);
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.schedule.TaskTimer;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.NodeSource;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Builds an {@link ExecutionEngine}. Required: config, node source, backend, report store, job environment. */
public final class ExecutionEngineBuilder {
    ControllerConfig config;
    NodeSource nodeSource;
    JobBackend backend;
    ReportStore store;
    JobEnvironment environment;
    final List<ExecutionListener> listeners = new ArrayList<>();
    long resultBacklogValues = ResultBacklog.DEFAULT_LIMIT_VALUES;
    io.batchjob.core.spi.ResultFootprint footprint = io.batchjob.core.spi.ResultFootprint.NONE;
    io.batchjob.core.spi.ExecutionHandover handover = io.batchjob.core.spi.ExecutionHandover.NONE;
    io.batchjob.core.spi.ExecutionRecords records;
    Clock clock = Clock.systemUTC();
    TaskTimer timer;
    int dispatchThreads = 4;

    ExecutionEngineBuilder() {
    }

    /** Pool size, job timeout and report history come from here. */
    public ExecutionEngineBuilder config(ControllerConfig config) {
        this.config = config;
        return this;
    }

    public ExecutionEngineBuilder nodeSource(NodeSource nodeSource) {
        this.nodeSource = nodeSource;
        return this;
    }

    public ExecutionEngineBuilder backend(JobBackend backend) {
        this.backend = backend;
        return this;
    }

    public ExecutionEngineBuilder reportStore(ReportStore store) {
        this.store = store;
        return this;
    }

    public ExecutionEngineBuilder jobEnvironment(JobEnvironment environment) {
        this.environment = environment;
        return this;
    }

    public ExecutionEngineBuilder listener(ExecutionListener listener) {
        this.listeners.add(Objects.requireNonNull(listener));
        return this;
    }

    /** The clock for IDs and times (default: system UTC). */
    public ExecutionEngineBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
        return this;
    }

    /** The timer for job timeouts (default: one daemon thread, closed with the engine). */
    public ExecutionEngineBuilder timer(TaskTimer timer) {
        this.timer = timer;
        return this;
    }

    /**
     * Threads that call the backend (launch, stop, clean-up); they bound how many backend calls
     * run at once, independent of the number of nodes (default 4).
     */
    public ExecutionEngineBuilder dispatchThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("dispatchThreads must be at least 1");
        }
        this.dispatchThreads = threads;
        return this;
    }

    /**
     * How many parsed result values may wait for the listeners (default 200,000, about 16 MiB);
     * beyond it results are refused with {@link EngineBusyException} until the listeners catch up.
     */
    public ExecutionEngineBuilder resultBacklogValues(long values) {
        if (values < 1) {
            throw new IllegalArgumentException("resultBacklogValues must be at least 1");
        }
        this.resultBacklogValues = values;
        return this;
    }

    /**
     * What the result listeners hold, checked against {@code maxSeriesInMemory} before a result is
     * stored (default {@link io.batchjob.core.spi.ResultFootprint#NONE}: nothing is held, nothing refused).
     */
    public ExecutionEngineBuilder resultFootprint(io.batchjob.core.spi.ResultFootprint footprint) {
        this.footprint = Objects.requireNonNull(footprint);
        return this;
    }

    /**
     * Where the running execution's plan is kept for a new leader without this controller's report
     * directory (default {@link io.batchjob.core.spi.ExecutionHandover#NONE}: a takeover needs a shared volume).
     */
    public ExecutionEngineBuilder handover(io.batchjob.core.spi.ExecutionHandover handover) {
        this.handover = Objects.requireNonNull(handover);
        return this;
    }

    /**
     * Where the engine keeps its records of each execution (default: files beside the reports,
     * {@link FileExecutionRecords}); any implementation must pass {@code ExecutionRecordsContractTest}.
     */
    public ExecutionEngineBuilder records(io.batchjob.core.spi.ExecutionRecords records) {
        this.records = Objects.requireNonNull(records);
        return this;
    }

    public ExecutionEngine build() {
        Objects.requireNonNull(config, "config");
        return new ExecutionEngine(this);
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.config.ConcurrencyPolicy;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.GoDuration;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.schedule.ExecutorTaskTimer;
import io.batchjob.core.schedule.TaskTimer;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.JobOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Runs executions: one job per node, never more than {@code podPoolSize} at once, each bounded by
 * {@code jobTimeout}; collects outcomes and writes a summary. See the package documentation for
 * the threading model.
 *
 * <p>Life cycle: build it, call {@link #activate()} when this controller may dispatch (it is the
 * leader, or there is no election) — that resumes an unfinished execution found in the report
 * directory — then {@link #trigger(String)} from a schedule or by hand. {@link #deactivate()}
 * gives the running execution up without touching its jobs (another controller resumes it).
 */
public final class ExecutionEngine implements AutoCloseable {

    /** The execution's plan, written when it starts. */
    public static final String PLAN_FILE = "_plan.json";
    /** The execution's summary, written when its last job ended; its presence marks it finished. */
    public static final String SUMMARY_FILE = "_summary.json";
    /** One line per ended job, so a resumed execution does not run a node twice. */
    public static final String JOURNAL_FILE = "_jobs.jsonl";
    /** One line (the node) per result received, so a resumed execution knows who reported without trusting file names. */
    public static final String RESULTS_FILE = "_results.log";

    private static final Logger LOG = LoggerFactory.getLogger(ExecutionEngine.class);

    /** The configuration new executions start with; replaced whole by {@link #reconfigure}. */
    private volatile ControllerConfig config;
    private final ReportStore store;
    private final ExecutionRecords records;
    private final TaskTimer timer;
    private final boolean ownsTimer;
    private final ThreadPoolExecutor dispatch;
    private final EngineEvents events;
    private final RunContext context;
    private final ExecutionStarter starter;
    private final ExecutionIds ids;
    private final JobCallbacks callbacks;
    private final io.batchjob.core.spi.ExecutionHandover handover;

    // Guarded by "this".
    private boolean activated;
    private boolean closed;
    private boolean starting;
    private ExecutionRun active;

    ExecutionEngine(ExecutionEngineBuilder b) {
        this.config = b.config;
        this.store = Objects.requireNonNull(b.store, "reportStore");
        this.ownsTimer = b.timer == null;
        this.timer = b.timer != null ? b.timer : new ExecutorTaskTimer(1, "batch-timer");
        this.dispatch = RunContext.dispatchPool(b.dispatchThreads);
        this.records = b.records != null ? b.records : new FileExecutionRecords(store);
        this.events = new EngineEvents(b.listeners, records, () -> store.fence().refusal());
        this.context = new RunContext(Objects.requireNonNull(b.backend, "backend"), Objects.requireNonNull(b.environment, "jobEnvironment"),
                timer, dispatch, events, store, records, b.clock);
        List<String> existing = store.executionIds();
        this.ids = new ExecutionIds(b.clock, existing.isEmpty() ? 0 : Long.parseLong(existing.get(existing.size() - 1)));
        this.starter = new ExecutionStarter(Objects.requireNonNull(b.nodeSource, "nodeSource"), context, ids);
        this.handover = b.handover;
        this.callbacks = new JobCallbacks(this::current, new ResultBacklog(b.resultBacklogValues), events, b.footprint,
                () -> this.config.budgets().maxSeriesInMemory());
    }

    public static ExecutionEngineBuilder builder() {
        return new ExecutionEngineBuilder();
    }

    // ---------------------------------------------------------------- life cycle

    /**
     * Allows triggers and resumes the newest execution if it has a plan but no summary (it was
     * running when its controller stopped): jobs the backend still has are adopted, ended jobs
     * recorded in the journal keep their outcome, stored results count, nodes without a job are
     * dispatched within the pool limit.
     *
     * @return the ID of the resumed execution, if one was resumed
     */
    public Optional<String> activate() {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the engine is closed");
            }
            if (activated) {
                return Optional.ofNullable(active).map(ExecutionRun::id);
            }
            activated = true;
            starting = true;
        }
        try {
            return resumeUnfinished();
        } finally {
            synchronized (this) {
                starting = false;
            }
        }
    }

    /**
     * The execution the handover record says is unfinished, when this report directory does not have
     * it and it is newer than every execution here.
     */
    private Optional<ExecutionPlan> adoptable(List<String> local) {
        Optional<ExecutionPlan> handed;
        try {
            handed = handover.unfinished();
        } catch (RuntimeException e) {
            LOG.warn("cannot read which execution another controller left unfinished: {}", e.toString());
            return Optional.empty();
        }
        return handed.filter(p -> ReportStore.isExecutionId(p.executionId()) && !store.exists(p.executionId())
                && (local.isEmpty() || ReportStore.BY_EXECUTION_ID.compare(p.executionId(), local.get(local.size() - 1)) > 0));
    }

    /**
     * Whether this engine was just activated and is still resuming or adopting what it took over: its
     * jobs' callbacks cannot be checked yet (they are answered "retry" meanwhile, not refused).
     */
    public synchronized boolean isTakingOver() {
        return activated && starting && !closed;
    }

    /** Whether this engine dispatches now: activated (it leads), and done resuming what it took over. */
    public synchronized boolean isDispatching() {
        return activated && !starting && !closed;
    }

    private Optional<String> resumeUnfinished() {
        List<String> all = store.executionIds();
        if (!all.isEmpty()) {
            ids.raiseFloor(Long.parseLong(all.get(all.size() - 1)));
        }
        Optional<String> unfinished = Resumption.unfinished(records);
        boolean withoutRecords = false;
        if (unfinished.isEmpty()) {
            // Not in this report directory: an execution another replica started on a volume of its own.
            Optional<ExecutionPlan> handed = adoptable(all);
            if (handed.isPresent()) {
                records.writePlan(handed.get());
                ids.raiseFloor(Long.parseLong(handed.get().executionId()));
                unfinished = Optional.of(handed.get().executionId());
                withoutRecords = true;
                LOG.info("execution {} was started by another controller whose report directory this one does not share: adopting it"
                        + " from the API (its job pods; results sent before now stay in that controller's directory)", unfinished.get());
            }
        }
        boolean adoptedFromApi = withoutRecords;
        Optional<Resumption.Resumed> resumed = unfinished
                .flatMap(id -> Resumption.rebuild(id, context, runSettings(config), this::finished, adoptedFromApi));
        if (resumed.isEmpty()) {
            return Optional.empty();
        }
        ExecutionRun run = resumed.get().run();
        Execution ex = run.ex;
        synchronized (this) {
            if (!activated || closed) {
                return Optional.empty();
            }
            active = run;
        }
        LOG.info("execution {} resumed: {} jobs ended, {} adopted, {} still to start", ex.id, ex.ended, resumed.get().adopted().size(),
                ex.pending.size());
        run.begin(List.of(), resumed.get().adopted(), resumed.get().waiting(), resumed.get().now());
        // Listeners (the result metrics) hear what the earlier controller accepted: this one may never have seen it.
        String prefix = config.metrics().prefix();
        run.republish(resumed.get().records(), node -> RecordedExecution.storedResult(store, ex.id, node, prefix));
        return Optional.of(ex.id);
    }

    /**
     * Stops dispatching and forgets the running execution without ending its jobs or writing its
     * summary, so that the next leader resumes it. Its completion future is cancelled.
     */
    public void deactivate() {
        ExecutionRun run;
        synchronized (this) {
            activated = false;
            run = active;
            active = null;
        }
        if (run != null) {
            run.stopTracking();
            LOG.info("execution {} handed over: this controller no longer dispatches", run.id());
        }
    }

    /** Whether triggers are accepted. */
    public synchronized boolean isActive() {
        return activated && !closed;
    }

    /** Deactivates, then stops the engine's threads (waiting briefly for queued notifications). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        deactivate();
        io.batchjob.core.Shutdown.gracefully(dispatch, Duration.ofSeconds(5));
        events.close();
        if (ownsTimer) {
            ((ExecutorTaskTimer) timer).close();
        }
    }

    /** On the events thread, once a run's summary is written: it is no longer the running one. */
    private void finished(ExecutionRun run) {
        synchronized (this) {
            if (active == run) {
                active = null;
            }
        }
        if (store.fence().refusal().isEmpty()) {
            dispatch.execute(() -> tellHandover(() -> handover.finished(run.id()), "finished", run.id()));
        }
    }

    /** The handover record is a help for a takeover, not a condition of running: a failure is logged. */
    private static void tellHandover(Runnable call, String what, String executionId) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("could not record that execution {} {} for a takeover without this report directory: {}", executionId, what,
                    e.toString());
        }
    }

    // ---------------------------------------------------------------- triggers

    /**
     * Starts an execution on the nodes the node source lists now. While one runs, the
     * {@code concurrencyPolicy} decides: {@code Replace} (default, as the Go controller) ends it
     * once every one of its jobs has been launched — its unfinished jobs end as
     * {@link JobOutcome#REPLACED}, its summary is written, its pods are deleted with the new
     * execution's clean-up — and starts the new one; while some of its jobs still wait for a pool
     * slot the trigger is skipped ("still launching": Go's dispatch loop is still busy then, and
     * replacing would keep the nodes at the end of the list from ever running when an execution
     * outlasts the schedule's interval). An operator's request (a run or re-run, see
     * {@link TriggerRequest#isOperatorRequest()}) replaces at once: it was asked for explicitly.
     * {@code Forbid} skips every trigger while one runs. A
     * trigger while another is still starting an execution is always skipped (as Go's
     * {@code startPods} did).
     *
     * @param cause what triggered it, for logs and the summary ({@code schedule}, {@code manual}, ...)
     */
    public TriggerOutcome trigger(String cause) {
        return trigger(TriggerRequest.of(cause), false);
    }

    /**
     * As {@link #trigger(String)}, for a request that may name its nodes (a re-run) and the
     * operator's request it answers (recorded in the plan, see {@link #hasExecutionFor}).
     */
    public TriggerOutcome trigger(TriggerRequest request) {
        return trigger(request, false);
    }

    /**
     * The start-up trigger ({@code runOnStartup}): as {@link #trigger(String)}, except that an
     * execution this controller resumed when it became active is left to finish — a restart or a
     * new leader completes what it took over instead of replacing it.
     */
    public TriggerOutcome triggerAtStartup(String cause) {
        return trigger(TriggerRequest.of(cause), true);
    }

    /**
     * Re-runs the nodes of an execution that did not succeed (failed, no report, timed out,
     * replaced, never ended) and are still listed by the node source; cause {@code rerun:<id>}.
     *
     * @param executionIdOrLatest an execution of the report history, or {@code latest}
     * @param request             the operator's request it answers, recorded in the plan (may be null)
     * @return the trigger's outcome; {@link TriggerOutcome.Skipped} saying why when the execution is
     * unknown or has nothing to re-run (nothing is started then)
     */
    public TriggerOutcome rerun(String executionIdOrLatest, String request) {
        TriggerRequest rerun;
        try {
            rerun = Reruns.plan(records, store, executionIdOrLatest, starter.listNodes(), request);
        } catch (Reruns.RerunRefusedException e) {
            LOG.info("re-run of {} refused: {}", executionIdOrLatest, e.getMessage());
            return new TriggerOutcome.Skipped(e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("re-run of {} failed: {}", executionIdOrLatest, e.toString());
            return new TriggerOutcome.Failed("cannot list nodes: " + e.getMessage());
        }
        if (!rerun.skipped().isEmpty()) {
            LOG.info("re-run of {}: skipping nodes no longer Ready or selected: {}", executionIdOrLatest, rerun.skipped());
        }
        return trigger(rerun, false);
    }

    /** Whether an execution of the report history answered this request (its plan records it). */
    public boolean hasExecutionFor(String request) {
        return RecordedExecution.anyAnswers(records, request);
    }

    private TriggerOutcome trigger(TriggerRequest request, boolean keepResumed) {
        String cause = request.cause();
        ExecutionRun replaced;
        synchronized (this) {
            String busy = closed ? "the engine is closed"
                    : !activated ? "this controller is not active (not the leader)"
                    : starting ? "another trigger is starting an execution"
                    : active != null && keepResumed && active.ex.resumed
                    ? "execution " + active.id() + " was resumed at start-up and still runs"
                    : active != null && config.concurrencyPolicy() == ConcurrencyPolicy.FORBID
                    ? "execution " + active.id() + " is still running (concurrencyPolicy: Forbid)"
                    : active != null && !request.isOperatorRequest() ? active.stillLaunching().orElse(null)
                    : null;
            if (busy != null) {
                LOG.info("trigger ({}) skipped: {}", cause, busy);
                events.publish(l -> l.onTriggerSkipped(cause, busy));
                return new TriggerOutcome.Skipped(busy);
            }
            replaced = active;
            active = null;
            starting = true;
        }
        try {
            List<String> notRun = replaced != null ? replaced.replace(cause) : List.of();
            return start(request, notRun);
        } finally {
            synchronized (this) {
                starting = false;
            }
        }
    }

    /**
     * @param first nodes whose jobs the replaced execution ended unfinished: they go first, so that when
     *              executions keep outlasting the schedule's interval every node still gets its turn
     */
    private TriggerOutcome start(TriggerRequest request, List<String> first) {
        String cause = request.cause();
        ControllerConfig cfg = config; // one snapshot for the whole execution
        RunContext.Settings settings = runSettings(cfg);
        ExecutionStarter.Prepared prepared = starter.prepare(request, cfg.reportHistory(), first);
        if (prepared instanceof ExecutionStarter.Prepared.Failed failed) {
            LOG.error("trigger ({}) failed: {}", cause, failed.reason(), failed.cause());
            events.publish(l -> l.onTriggerFailed(cause, failed.reason()));
            return new TriggerOutcome.Failed(failed.reason());
        }
        ExecutionStarter.Prepared.Ready ready = (ExecutionStarter.Prepared.Ready) prepared;
        Execution ex = ready.execution();
        ExecutionRun run = new ExecutionRun(ex, settings, context, this::finished);
        synchronized (this) {
            if (!activated || closed) {
                return new TriggerOutcome.Skipped("this controller stopped being active while the execution was starting");
            }
            active = run;
        }
        LOG.info("execution {} started ({}): {} nodes, pool {}, job timeout {}", ex.id, cause, ex.jobs.size(), settings.poolSize(),
                settings.jobTimeout() == null ? "none" : GoDuration.format(settings.jobTimeout()));
        if (store.fence().refusal().isEmpty()) {
            tellHandover(() -> handover.started(ready.plan()), "started", ex.id); // the plan as written, not read back
        }
        run.begin(ready.pruned(), Map.of(), List.of(), ex.startedAt);
        return new TriggerOutcome.Started(ex.id, ex.completion);
    }

    /**
     * Applies a new configuration from the next execution on: pool size, job timeout, report
     * history and concurrency policy. A running execution keeps the settings it started with.
     * Embedders that read {@link #config()} (e.g. its {@code custom} map, in a job environment
     * contributor) see the new values from now on.
     */
    public void reconfigure(ControllerConfig newConfig) {
        this.config = Objects.requireNonNull(newConfig, "config");
        LOG.info("configuration for the next executions: pool {}, job timeout {}, history {}, concurrencyPolicy {}",
                newConfig.podPoolSize(), newConfig.jobTimeout() == null ? "none" : GoDuration.format(newConfig.jobTimeout()),
                newConfig.reportHistory(), newConfig.concurrencyPolicy());
    }

    /** The configuration the next execution starts with. */
    public ControllerConfig config() {
        return config;
    }

    private static RunContext.Settings runSettings(ControllerConfig cfg) {
        return new RunContext.Settings(cfg.podPoolSize(), cfg.jobTimeout(), cfg.jobRetries());
    }

    // ---------------------------------------------------------------- callbacks

    /** What the callback API asks of the running execution: job checks, secrets, result admission, file ownership. */
    public JobCallbacks callbacks() {
        return callbacks;
    }

    /**
     * Records that a job's result arrived (the caller has stored it) and tells listeners. A job that
     * ended without a result becomes succeeded. Same as {@link JobCallbacks#admitResult} followed by
     * {@link ResultAdmission#accept}.
     *
     * @throws UnknownJobException when the execution is not running or the node is not part of it
     * @throws EngineBusyException when too many result values wait for the listeners
     */
    public void resultReceived(String executionId, String node, JobResult result) {
        try (ResultAdmission admission = callbacks.admitResult(executionId, node, result.valueCount())) {
            admission.accept(result);
        }
    }

    /** Waits until every engine event queued before this call reached the listeners and records (tests). */
    boolean awaitEvents(Duration max) throws InterruptedException {
        return events.awaitQueued(max);
    }

    private synchronized ExecutionRun current() {
        return active;
    }

    // ---------------------------------------------------------------- status

    /** A snapshot of the running execution, if any. */
    public Optional<ExecutionProgress> progress() {
        return Optional.ofNullable(current()).map(ExecutionRun::progress);
    }

    /** The running execution's jobs, live (for the status API), if one runs here. */
    public Optional<ExecutionStatus.Detail> liveStatus() {
        return Optional.ofNullable(current()).filter(r -> !r.ex.completion.isDone()).map(ExecutionRun::detail);
    }

    /**
     * Records (journal lines, result records, summaries) the report volume refused so far and the
     * engine keeps to write again: 0 when everything is on disk. Thread-safe.
     */
    public int unwrittenRecords() {
        return events.unwrittenRecords();
    }

    /** The status of the report history's executions, the running one live. */
    public ExecutionStatus status() {
        return new ExecutionStatus(store, records, this::liveStatus);
    }

    /** The report store this engine writes to. */
    public ReportStore reportStore() {
        return store;
    }

}

package io.batchjob.core.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.batchjob.core.config.ConcurrencyPolicy;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.GoDuration;
import io.batchjob.core.report.FileNames;
import io.batchjob.core.report.ReportException;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.schedule.ExecutorTaskTimer;
import io.batchjob.core.schedule.TaskTimer;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.spi.NodeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

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

    private final int poolSize;
    /** The per-job limit, or null for none (the default, as in the Go controller). */
    private final Duration jobTimeout;
    private final ConcurrencyPolicy concurrencyPolicy;
    private final int reportHistory;
    private final NodeSource nodeSource;
    private final JobBackend backend;
    private final ReportStore store;
    private final JobEnvironment environment;
    private final List<ExecutionListener> listeners;
    private final Clock clock;
    private final TaskTimer timer;
    private final boolean ownsTimer;
    private final ThreadPoolExecutor dispatch;
    private final ThreadPoolExecutor events;
    private final ExecutionIds ids;
    private final ObjectWriter journalWriter;
    private final ResultBacklog backlog;

    // Guarded by "this".
    private boolean activated;
    private boolean closed;
    private boolean starting;
    private Execution active;

    private ExecutionEngine(Builder b) {
        this.poolSize = b.config.podPoolSize();
        this.jobTimeout = b.config.jobTimeout();
        this.concurrencyPolicy = b.config.concurrencyPolicy();
        this.reportHistory = b.config.reportHistory();
        this.nodeSource = Objects.requireNonNull(b.nodeSource, "nodeSource");
        this.backend = Objects.requireNonNull(b.backend, "backend");
        this.store = Objects.requireNonNull(b.store, "reportStore");
        this.environment = Objects.requireNonNull(b.environment, "jobEnvironment");
        this.listeners = List.copyOf(b.listeners);
        this.clock = b.clock;
        this.ownsTimer = b.timer == null;
        this.timer = b.timer != null ? b.timer : new ExecutorTaskTimer(1, "batch-timer");
        this.dispatch = fixedPool(b.dispatchThreads, "batch-dispatch");
        this.events = fixedPool(1, "batch-events");
        List<String> existing = store.executionIds();
        this.ids = new ExecutionIds(clock, existing.isEmpty() ? 0 : Long.parseLong(existing.get(existing.size() - 1)));
        this.journalWriter = store.json().writer().without(SerializationFeature.INDENT_OUTPUT);
        this.backlog = new ResultBacklog(b.resultBacklogValues);
    }

    public static Builder builder() {
        return new Builder();
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
                return Optional.ofNullable(active).map(e -> e.id);
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
     * Stops dispatching and forgets the running execution without ending its jobs or writing its
     * summary, so that the next leader resumes it. Its completion future is cancelled.
     */
    public void deactivate() {
        Execution ex;
        synchronized (this) {
            activated = false;
            ex = active;
            active = null;
        }
        if (ex != null) {
            stopTracking(ex);
            LOG.info("execution {} handed over: this controller no longer dispatches", ex.id);
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
        shutdown(dispatch);
        shutdown(events);
        if (ownsTimer) {
            ((ExecutorTaskTimer) timer).close();
        }
    }

    // ---------------------------------------------------------------- triggers

    /**
     * Starts an execution on the nodes the node source lists now. While one runs, the
     * {@code concurrencyPolicy} decides: {@code Replace} (default, as the Go controller) ends it —
     * its unfinished jobs end as {@link JobOutcome#REPLACED}, its summary is written, its pods are
     * deleted with the new execution's clean-up — and starts the new one; {@code Forbid} skips the
     * trigger. A trigger while another is still starting an execution is always skipped (as Go's
     * {@code startPods} did).
     *
     * @param cause what triggered it, for logs and the summary ({@code schedule}, {@code manual}, ...)
     */
    public TriggerOutcome trigger(String cause) {
        return trigger(cause, false);
    }

    /**
     * The start-up trigger ({@code runOnStartup}): as {@link #trigger(String)}, except that an
     * execution this controller resumed when it became active is left to finish — a restart or a
     * new leader completes what it took over instead of replacing it.
     */
    public TriggerOutcome triggerAtStartup(String cause) {
        return trigger(cause, true);
    }

    private TriggerOutcome trigger(String cause, boolean keepResumed) {
        Execution replaced;
        synchronized (this) {
            String busy = closed ? "the engine is closed"
                    : !activated ? "this controller is not active (not the leader)"
                    : starting ? "another trigger is starting an execution"
                    : active != null && keepResumed && active.resumed
                    ? "execution " + active.id + " was resumed at start-up and still runs"
                    : active != null && concurrencyPolicy == ConcurrencyPolicy.FORBID
                    ? "execution " + active.id + " is still running (concurrencyPolicy: Forbid)"
                    : null;
            if (busy != null) {
                LOG.info("trigger ({}) skipped: {}", cause, busy);
                publish(l -> l.onTriggerSkipped(cause, busy));
                return new TriggerOutcome.Skipped(busy);
            }
            replaced = active;
            active = null;
            starting = true;
        }
        try {
            if (replaced != null) {
                replace(replaced, cause);
            }
            return start(cause);
        } finally {
            synchronized (this) {
                starting = false;
            }
        }
    }

    /** Ends a running execution for a new trigger: what has not ended ends as replaced; the summary is written. */
    private void replace(Execution ex, String cause) {
        ExecutionSummary summary;
        int unfinished = 0;
        synchronized (ex) {
            if (ex.stopped || ex.finishing) {
                return; // its last job just ended: it finishes by itself
            }
            Instant now = clock.instant();
            String reason = "replaced by a new execution (" + cause + ") before it ended";
            for (Job job : ex.jobs.values()) {
                if (!job.state.isEnded()) {
                    if (job.startedAt == null) {
                        job.startedAt = now; // never started
                    }
                    endLocked(ex, job, JobState.REPLACED, reason);
                    releaseSlotLocked(ex, job);
                    unfinished++;
                }
            }
            ex.pending.clear();
            ex.finishing = true;
            summary = ex.summary(now);
        }
        LOG.info("execution {} is replaced by a new trigger ({}): {} unfinished job(s) end as replaced", ex.id, cause, unfinished);
        finish(ex, summary);
    }

    private TriggerOutcome start(String cause) {
        List<String> nodes;
        try {
            nodes = usableNodes(nodeSource.listNodes());
        } catch (RuntimeException e) {
            return failed(cause, "cannot list nodes: " + e.getMessage(), e);
        }
        String id = ids.next();
        Instant now = clock.instant();
        try {
            store.createExecution(id);
            store.writeJson(id, PLAN_FILE, new ExecutionPlan(id, cause, now, nodes));
        } catch (ReportException e) {
            return failed(cause, "cannot write to the report directory: " + e.getMessage(), e);
        }
        try {
            backend.deleteJobsExcept(id);
        } catch (RuntimeException e) {
            LOG.warn("could not delete the jobs of earlier executions (continuing): {}", e.toString());
        }
        try {
            store.pointLatestAt(id);
        } catch (ReportException e) {
            LOG.warn("could not update the latest link: {}", e.getMessage());
        }
        List<String> pruned = prune();

        Execution ex = new Execution(id, cause, now, false);
        nodes.forEach(n -> {
            Job job = new Job(n);
            ex.jobs.put(n, job);
            ex.pending.add(job);
        });
        synchronized (this) {
            if (!activated || closed) {
                return new TriggerOutcome.Skipped("this controller stopped being active while the execution was starting");
            }
            active = ex;
        }
        LOG.info("execution {} started ({}): {} nodes, pool {}, job timeout {}", id, cause, nodes.size(), poolSize,
                jobTimeout == null ? "none" : GoDuration.format(jobTimeout));
        publish(l -> l.onExecutionStarted(new ExecutionStart(id, cause, now, nodes, false)));
        pruned.forEach(p -> publish(l -> l.onExecutionPruned(p)));
        advance(ex);
        return new TriggerOutcome.Started(id, ex.completion);
    }

    private TriggerOutcome failed(String cause, String reason, Exception e) {
        LOG.error("trigger ({}) failed: {}", cause, reason, e);
        publish(l -> l.onTriggerFailed(cause, reason));
        return new TriggerOutcome.Failed(reason);
    }

    private List<String> usableNodes(List<String> listed) {
        LinkedHashSet<String> nodes = new LinkedHashSet<>();
        for (String n : listed) {
            // Node names become file names; a leading '_' or '.' could clash with our own files.
            if (n == null || !FileNames.isSafe(n) || n.startsWith("_") || n.startsWith(".") || !FileNames.isSafe(n + ".json")) {
                LOG.warn("node {} is skipped: its name cannot be used in report file names", n);
                continue;
            }
            nodes.add(n);
        }
        return List.copyOf(nodes);
    }

    private List<String> prune() {
        try {
            List<String> pruned = store.prune(reportHistory);
            if (!pruned.isEmpty()) {
                LOG.info("deleted {} old execution(s) beyond the history of {}: {}", pruned.size(), reportHistory, pruned);
            }
            return pruned;
        } catch (ReportException e) {
            LOG.warn("could not prune old executions: {}", e.getMessage());
            return List.of();
        }
    }

    // ---------------------------------------------------------------- dispatch

    /** Fills free slots with pending jobs and finishes the execution when nothing is left. */
    private void advance(Execution ex) {
        List<Job> toLaunch = new ArrayList<>();
        ExecutionSummary finished = null;
        synchronized (ex) {
            if (ex.stopped || ex.finishing) {
                return;
            }
            while (ex.inFlight < poolSize && !ex.pending.isEmpty()) {
                Job job = ex.pending.poll();
                job.moveTo(JobState.LAUNCHING);
                job.secret = CallbackSecrets.newSecret();
                job.startedAt = clock.instant();
                job.holdsSlot = true;
                ex.inFlight++;
                ex.peakInFlight = Math.max(ex.peakInFlight, ex.inFlight);
                if (jobTimeout != null) {
                    job.timeout = timer.schedule(jobTimeout, () -> onTimeout(ex, job));
                }
                String node = job.node;
                publish(l -> l.onJobStarted(ex.id, node));
                toLaunch.add(job);
            }
            if (ex.isComplete()) {
                ex.finishing = true;
                finished = ex.summary(clock.instant());
            }
        }
        for (Job job : toLaunch) {
            dispatch.execute(() -> launch(ex, job));
        }
        if (finished != null) {
            finish(ex, finished);
        }
    }

    private void launch(Execution ex, Job job) {
        String secret;
        synchronized (ex) {
            // Timed out while queued, or handed over: nothing to start.
            if (ex.stopped || job.state != JobState.LAUNCHING) {
                return;
            }
            secret = job.secret;
        }
        try (MDC.MDCCloseable a = MDC.putCloseable("executionID", ex.id); MDC.MDCCloseable b = MDC.putCloseable("node", job.node)) {
            JobRequest request;
            try {
                request = new JobRequest(ex.id, job.node, secret, environment.build(ex.id, job.node, secret), jobTimeout);
            } catch (RuntimeException e) {
                onJobEnd(ex, job, JobEnd.failed("cannot build the job environment: " + e.getMessage()));
                return;
            }
            try {
                backend.launch(request, end -> onJobEnd(ex, job, end));
            } catch (JobLaunchException e) {
                LOG.warn("job for node {} could not be created: {}", job.node, e.getMessage());
                onJobEnd(ex, job, JobEnd.failed("cannot create the job: " + e.getMessage()));
                return;
            } catch (RuntimeException e) {
                LOG.error("job for node {} could not be created", job.node, e);
                onJobEnd(ex, job, JobEnd.failed("cannot create the job: " + e));
                return;
            }
            boolean stopAgain;
            synchronized (ex) {
                if (job.state == JobState.LAUNCHING) {
                    job.moveTo(JobState.RUNNING);
                }
                // The timeout fired, or a new trigger replaced the execution, while the backend was still creating the job.
                stopAgain = (job.state == JobState.TIMED_OUT || job.state == JobState.REPLACED) && !ex.stopped;
            }
            if (stopAgain) {
                stopQuietly(ex, job);
            }
        }
    }

    private void onJobEnd(Execution ex, Job job, JobEnd end) {
        synchronized (ex) {
            if (ex.stopped || !job.state.isActive()) {
                return; // a repeated or late signal
            }
            JobState next;
            String reason;
            if (end.status() == JobEnd.Status.FAILED) {
                next = JobState.FAILED;
                reason = end.reason().isEmpty() ? "the job failed" : end.reason();
            } else if (job.reported) {
                next = JobState.SUCCEEDED;
                reason = "";
            } else {
                next = JobState.NO_REPORT;
                reason = "the job ended without sending a result";
            }
            endLocked(ex, job, next, reason);
            releaseSlotLocked(ex, job);
        }
        advance(ex);
    }

    private void onTimeout(Execution ex, Job job) {
        synchronized (ex) {
            if (ex.stopped || !job.state.isActive()) {
                return;
            }
            job.timeout = null;
            endLocked(ex, job, JobState.TIMED_OUT, "the job ran longer than jobTimeout " + GoDuration.format(jobTimeout));
            // The slot stays taken until the backend confirms the job is stopped, so the pool limit holds
            // for what really runs.
        }
        dispatch.execute(() -> {
            try {
                stopQuietly(ex, job);
            } finally {
                synchronized (ex) {
                    releaseSlotLocked(ex, job);
                }
                advance(ex);
            }
        });
    }

    private void stopQuietly(Execution ex, Job job) {
        try {
            backend.stop(ex.id, job.node);
        } catch (RuntimeException e) {
            LOG.warn("could not stop the job of execution {} on node {}: {}", ex.id, job.node, e.toString());
        }
    }

    /** Moves a job to an end state and records it; caller holds the execution's monitor. */
    private void endLocked(Execution ex, Job job, JobState next, String reason) {
        job.moveTo(next);
        job.endedAt = clock.instant();
        job.reason = reason;
        job.cancelTimeout();
        ex.ended++;
        recordEndLocked(ex, job.summary());
        int decile = ex.jobs.isEmpty() ? 10 : ex.ended * 10 / ex.jobs.size();
        if (decile > ex.reportedDecile) {
            ex.reportedDecile = decile;
            LOG.info("execution {}: {}% done ({}/{} jobs)", ex.id, decile * 10, ex.ended, ex.jobs.size());
        }
    }

    private void recordEndLocked(Execution ex, JobSummary summary) {
        if (summary.outcome() != JobOutcome.SUCCEEDED) {
            LOG.info("job of execution {} on node {} ended: {} ({})", ex.id, summary.node(), summary.outcome(), summary.reason());
        }
        // Journal and listeners run on the events thread, in this order, after the state changed.
        events.execute(() -> journal(ex.id, summary));
        publish(l -> l.onJobEnded(ex.id, summary));
    }

    private static void releaseSlotLocked(Execution ex, Job job) {
        if (job.holdsSlot) {
            job.holdsSlot = false;
            ex.inFlight--;
        }
    }

    private void finish(Execution ex, ExecutionSummary summary) {
        events.execute(() -> {
            try {
                store.writeJson(ex.id, SUMMARY_FILE, summary);
            } catch (RuntimeException e) {
                LOG.error("could not write the summary of execution {}: {}", ex.id, e.getMessage());
            }
            synchronized (this) {
                if (active == ex) {
                    active = null;
                }
            }
            Map<JobOutcome, Integer> counts = summary.counts();
            LOG.info("execution {} finished in {} ms: {} succeeded, {} failed, {} without report, {} timed out, {} replaced",
                    ex.id, summary.durationMillis(), counts.get(JobOutcome.SUCCEEDED), counts.get(JobOutcome.FAILED),
                    counts.get(JobOutcome.NO_REPORT), counts.get(JobOutcome.TIMED_OUT), counts.get(JobOutcome.REPLACED));
            notifyListeners(l -> l.onExecutionFinished(summary));
            ex.completion.complete(summary);
        });
    }

    private void stopTracking(Execution ex) {
        synchronized (ex) {
            ex.stopped = true;
            ex.jobs.values().forEach(Job::cancelTimeout);
        }
        ex.completion.completeExceptionally(new CancellationException(
                "execution " + ex.id + " was handed over: this controller no longer dispatches"));
    }

    // ---------------------------------------------------------------- resume

    private Optional<String> resumeUnfinished() {
        List<String> all = store.executionIds();
        if (all.isEmpty()) {
            return Optional.empty();
        }
        String id = all.get(all.size() - 1);
        ids.raiseFloor(Long.parseLong(id));
        if (store.hasFile(id, SUMMARY_FILE)) {
            return Optional.empty();
        }
        Optional<ExecutionRecords> records = ExecutionRecords.read(store, id);
        if (records.isEmpty()) {
            return Optional.empty();
        }
        Optional<ExecutionPlan> plan = Optional.of(records.get().plan());
        Map<String, JobSummary> ended = records.get().ended();
        java.util.Set<String> reportedNodes = records.get().reported();
        Map<String, ExistingJob> existing = new LinkedHashMap<>();
        for (ExistingJob j : backend.existingJobs()) {
            if (j.executionId().equals(id)) {
                existing.put(j.node(), j);
            }
        }
        Instant now = clock.instant();
        Execution ex = new Execution(id, plan.get().cause(), plan.get().startedAt(), true);
        Map<Job, ExistingJob> adopted = new LinkedHashMap<>();
        for (String node : plan.get().nodes()) {
            Job job = new Job(node);
            ex.jobs.put(node, job);
            JobSummary done = ended.get(node);
            ExistingJob running = existing.get(node);
            if (done != null) {
                job.state = JobState.of(done.outcome());
                job.startedAt = done.startedAt();
                job.endedAt = done.endedAt();
                job.reason = done.reason();
                job.reported = done.reported();
                ex.ended++;
            } else if (running != null) {
                job.state = JobState.RUNNING;
                // A job whose secret is lost gets a fresh one nobody knows: its callbacks fail closed.
                job.secret = running.callbackSecret() != null ? running.callbackSecret() : CallbackSecrets.newSecret();
                // A creation time ahead of our clock (skew with the API server) counts as now.
                job.startedAt = running.createdAt() != null && running.createdAt().isBefore(now) ? running.createdAt() : now;
                // What the engine recorded, not a file name: another node's upload could have made "<node>.json".
                job.reported = reportedNodes.contains(node);
                job.holdsSlot = true;
                ex.inFlight++;
                adopted.put(job, running);
            } else {
                ex.pending.add(job);
            }
        }
        synchronized (this) {
            if (!activated || closed) {
                return Optional.empty();
            }
            active = ex;
        }
        LOG.info("execution {} resumed: {} jobs ended, {} adopted, {} still to start", id, ex.ended, adopted.size(), ex.pending.size());
        publish(l -> l.onExecutionStarted(new ExecutionStart(id, ex.cause, ex.startedAt, plan.get().nodes(), true)));
        if (jobTimeout != null) {
            synchronized (ex) {
                adopted.keySet().forEach(job -> {
                    Duration left = jobTimeout.minus(Duration.between(job.startedAt, now));
                    job.timeout = timer.schedule(left.isNegative() ? Duration.ZERO : left, () -> onTimeout(ex, job));
                });
            }
        }
        adopted.forEach((job, existingJob) -> dispatch.execute(() -> {
            try {
                backend.adopt(existingJob, end -> onJobEnd(ex, job, end));
            } catch (RuntimeException e) {
                onJobEnd(ex, job, JobEnd.failed("cannot watch the job after the restart: " + e.getMessage()));
            }
        }));
        advance(ex);
        return Optional.of(id);
    }

    private void recordResult(String executionId, String node) {
        try {
            store.appendLine(executionId, RESULTS_FILE, node);
        } catch (RuntimeException e) {
            LOG.warn("could not record the result of node {} in execution {}: {}", node, executionId, e.toString());
        }
    }

    private void journal(String executionId, JobSummary summary) {
        try {
            store.appendLine(executionId, JOURNAL_FILE, journalWriter.writeValueAsString(summary));
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.warn("could not record the end of the job on node {} in execution {}: {}", summary.node(), executionId, e.toString());
        }
    }

    // ---------------------------------------------------------------- callbacks

    /**
     * Checks that a callback may be accepted for this job: its execution is the running one and
     * the job has started.
     *
     * @throws UnknownJobException saying why not
     */
    public void checkAcceptsCallbacks(String executionId, String node) {
        Execution ex = runningExecution(executionId);
        synchronized (ex) {
            jobAcceptingCallbacksLocked(ex, executionId, node);
        }
    }

    /**
     * Verifies a job's callback secret in constant time. {@code false} for unknown jobs too, so
     * that a caller cannot learn which jobs exist without a valid secret, and for jobs that have
     * ended: a secret works only while its job runs (a job's callbacks complete before its pod can
     * end, so nothing legitimate is refused; a secret copied from a log is worthless).
     */
    public boolean verifySecret(String executionId, String node, String presented) {
        Execution ex;
        synchronized (this) {
            ex = active;
        }
        String expected = null;
        if (ex != null && ex.id.equals(executionId)) {
            synchronized (ex) {
                Job job = ex.jobs.get(node);
                expected = job == null || job.state.isEnded() ? null : job.secret;
            }
        }
        // Compare against a dummy when there is no secret so timing does not reveal which jobs exist.
        boolean ok = CallbackSecrets.matches(expected == null ? DUMMY_SECRET : expected, presented);
        return ok && expected != null;
    }

    private static final String DUMMY_SECRET = CallbackSecrets.newSecret();

    /**
     * Records that a job's result arrived (the caller has stored it) and tells listeners. A job that
     * ended without a result becomes succeeded. Same as {@link #admitResult} followed by
     * {@link ResultAdmission#accept}.
     *
     * @throws UnknownJobException when the execution is not running or the node is not part of it
     * @throws EngineBusyException when too many result values wait for the listeners
     */
    public void resultReceived(String executionId, String node, JobResult result) {
        try (ResultAdmission admission = admitResult(executionId, node, result.valueCount())) {
            admission.accept(result);
        }
    }

    /**
     * Reserves room for a job's result before the caller stores it, so that a result the engine
     * cannot take is refused before anything is written: the stored {@code <node>.json} and what
     * listeners see always agree. Close the admission in any case; {@link ResultAdmission#accept}
     * hands the result over. A job's result still waiting for the listeners when a newer one is
     * accepted is replaced by it: listeners see the newest.
     *
     * @param values the result's {@link JobResult#valueCount()}
     * @throws UnknownJobException when the execution is not running or the node is not part of it
     * @throws EngineBusyException when too many result values wait for the listeners (bounded
     *                             memory whatever jobs send); retry later
     */
    public ResultAdmission admitResult(String executionId, String node, long values) {
        checkAcceptsCallbacks(executionId, node);
        backlog.reserve(values);
        return new ResultAdmission(executionId, node, values);
    }

    /** Room for one result, reserved by {@link #admitResult}. Not thread-safe: one caller uses it. */
    public final class ResultAdmission implements AutoCloseable {
        private final String executionId;
        private final String node;
        private final long values;
        private boolean handedOver;

        private ResultAdmission(String executionId, String node, long values) {
            this.executionId = executionId;
            this.node = node;
            this.values = values;
        }

        /**
         * Hands the stored result over: recorded, listeners told (on the events thread).
         *
         * @throws UnknownJobException when the execution ended since the admission
         */
        public void accept(JobResult result) {
            Objects.requireNonNull(result, "result");
            if (handedOver) {
                throw new IllegalStateException("this admission was used already");
            }
            Execution ex = runningExecution(executionId);
            synchronized (ex) {
                Job job = jobAcceptingCallbacksLocked(ex, executionId, node);
                if (!job.reported) {
                    events.execute(() -> recordResult(executionId, node));
                }
                job.reported = true;
                handedOver = true;
                String key = executionId + "/" + node;
                if (backlog.offer(key, result, values)) {
                    // One task per waiting result; it delivers the newest one offered by then.
                    queue(() -> {
                        JobResult newest = backlog.take(key);
                        if (newest != null) {
                            notifyListeners(l -> l.onResultReceived(executionId, node, newest));
                        }
                    }, () -> backlog.take(key));
                }
                if (job.state == JobState.NO_REPORT) {
                    job.moveTo(JobState.SUCCEEDED);
                    job.reason = "";
                    recordEndLocked(ex, job.summary());
                }
            }
        }

        /** Gives the reservation back unless the result was handed over. */
        @Override
        public void close() {
            if (!handedOver) {
                backlog.cancel(values);
            }
        }
    }

    /**
     * The node of the running execution a report file belongs to: the one whose result it is
     * ({@code <node>.json}) or whose prefix it carries ({@code <node>-*}), the longest such node
     * when names share a prefix ({@code a-b-x.txt} is node {@code a-b}'s, not {@code a}'s).
     * Empty when no node of the running execution claims it, or no such execution runs.
     */
    public Optional<String> nodeOwningFile(String executionId, String fileName) {
        Execution ex;
        synchronized (this) {
            ex = active;
        }
        if (ex == null || !ex.id.equals(executionId)) {
            return Optional.empty();
        }
        String owner = null;
        synchronized (ex) {
            for (String node : ex.jobs.keySet()) {
                if ((fileName.equals(node + ".json") || fileName.startsWith(node + "-")) && (owner == null || node.length() > owner.length())) {
                    owner = node;
                }
            }
        }
        return Optional.ofNullable(owner);
    }

    private Execution runningExecution(String executionId) {
        Execution ex;
        synchronized (this) {
            ex = active;
        }
        if (ex == null || !ex.id.equals(executionId)) {
            throw new UnknownJobException("execution " + executionId + " is not running");
        }
        return ex;
    }

    private static Job jobAcceptingCallbacksLocked(Execution ex, String executionId, String node) {
        if (ex.stopped || ex.finishing) {
            throw new UnknownJobException("execution " + executionId + " has finished");
        }
        Job job = ex.jobs.get(node);
        if (job == null) {
            throw new UnknownJobException("node " + node + " is not part of execution " + executionId);
        }
        if (job.state == JobState.PENDING) {
            throw new UnknownJobException("the job of node " + node + " in execution " + executionId + " has not started yet");
        }
        return job;
    }

    // ---------------------------------------------------------------- status

    /** A snapshot of the running execution, if any. */
    public Optional<ExecutionProgress> progress() {
        Execution ex;
        synchronized (this) {
            ex = active;
        }
        if (ex == null) {
            return Optional.empty();
        }
        synchronized (ex) {
            return Optional.of(ex.progress());
        }
    }

    /** The report store this engine writes to. */
    public ReportStore reportStore() {
        return store;
    }

    // ---------------------------------------------------------------- helpers

    /** Queues a listener notification; called under the execution's monitor to keep the order of events. */
    private void publish(Consumer<ExecutionListener> call) {
        if (listeners.isEmpty()) {
            return;
        }
        queue(() -> notifyListeners(call), () -> { });
    }

    /** Runs a task on the events thread; when the engine is closed, runs {@code dropped} instead, here. */
    private void queue(Runnable task, Runnable dropped) {
        try {
            events.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("engine closed; notification dropped");
            dropped.run();
        }
    }

    private void notifyListeners(Consumer<ExecutionListener> call) {
        for (ExecutionListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.error("execution listener {} failed", l.getClass().getName(), e);
            }
        }
    }

    private static ThreadPoolExecutor fixedPool(int threads, String name) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private static void shutdown(ExecutorService executor) {
        io.batchjob.core.Shutdown.gracefully(executor, Duration.ofSeconds(5));
    }

    /** Builds an {@link ExecutionEngine}. Required: config, node source, backend, report store, job environment. */
    public static final class Builder {
        private ControllerConfig config;
        private NodeSource nodeSource;
        private JobBackend backend;
        private ReportStore store;
        private JobEnvironment environment;
        private final List<ExecutionListener> listeners = new ArrayList<>();
        private long resultBacklogValues = ResultBacklog.DEFAULT_LIMIT_VALUES;
        private Clock clock = Clock.systemUTC();
        private TaskTimer timer;
        private int dispatchThreads = 4;

        private Builder() {
        }

        /** Pool size, job timeout and report history come from here. */
        public Builder config(ControllerConfig config) {
            this.config = config;
            return this;
        }

        public Builder nodeSource(NodeSource nodeSource) {
            this.nodeSource = nodeSource;
            return this;
        }

        public Builder backend(JobBackend backend) {
            this.backend = backend;
            return this;
        }

        public Builder reportStore(ReportStore store) {
            this.store = store;
            return this;
        }

        public Builder jobEnvironment(JobEnvironment environment) {
            this.environment = environment;
            return this;
        }

        public Builder listener(ExecutionListener listener) {
            this.listeners.add(Objects.requireNonNull(listener));
            return this;
        }

        /** The clock for IDs and times (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** The timer for job timeouts (default: one daemon thread, closed with the engine). */
        public Builder timer(TaskTimer timer) {
            this.timer = timer;
            return this;
        }

        /**
         * Threads that call the backend (launch, stop, clean-up); they bound how many backend calls
         * run at once, independent of the number of nodes (default 4).
         */
        public Builder dispatchThreads(int threads) {
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
        public Builder resultBacklogValues(long values) {
            if (values < 1) {
                throw new IllegalArgumentException("resultBacklogValues must be at least 1");
            }
            this.resultBacklogValues = values;
            return this;
        }

        public ExecutionEngine build() {
            Objects.requireNonNull(config, "config");
            return new ExecutionEngine(this);
        }
    }
}

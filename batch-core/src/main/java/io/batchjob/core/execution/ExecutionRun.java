package io.batchjob.core.execution;

import io.batchjob.core.config.GoDuration;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobAttempt;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.core.spi.JobSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * Runs one execution: fills the pool with pending jobs, ends jobs as the backend reports them or
 * their timeout fires, and finishes the execution when every job ended. All state lives in the
 * {@link Execution} and is guarded by its monitor; backend calls run on dispatch threads, never
 * under the monitor; records and notifications are queued on the events thread while the monitor
 * is held, so listeners see the order in which the state changed.
 *
 * <p>It runs on the {@link RunContext.Settings} it was started with, whatever the engine's
 * configuration becomes meanwhile.
 */
final class ExecutionRun {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutionRun.class);

    final Execution ex;
    private final RunContext.Settings settings;
    private final RunContext context;
    /** Called on the events thread once the summary is written, before listeners hear of it. */
    private final Consumer<ExecutionRun> onFinished;

    ExecutionRun(Execution ex, RunContext.Settings settings, RunContext context, Consumer<ExecutionRun> onFinished) {
        this.ex = ex;
        this.settings = settings;
        this.context = context;
        this.onFinished = onFinished;
    }

    String id() {
        return ex.id;
    }

    RunContext.Settings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- dispatch

    /**
     * Starts running: listeners hear of the execution (and of executions it pruned), jobs a
     * resumed execution found running are watched again, free slots are filled.
     */
    void begin(List<String> pruned, Map<Job, ExistingJob> adopted, List<Resumption.Waiting> waiting, Instant now) {
        List<String> nodes = List.copyOf(ex.jobs.keySet());
        context.events().publish(l -> l.onExecutionStarted(new io.batchjob.core.spi.ExecutionStart(ex.id, ex.cause, ex.startedAt, nodes,
                ex.resumed)));
        pruned.forEach(p -> context.events().publish(l -> l.onExecutionPruned(p)));
        if (!adopted.isEmpty()) {
            adopt(adopted, now);
        }
        for (Resumption.Waiting w : waiting) {
            if (!w.stopFirst()) {
                synchronized (ex) {
                    scheduleRetryLocked(w.job(), w.left());
                }
                continue;
            }
            // A timed-out attempt's pod may still run: stopped (a remote call, not here) before the next is queued.
            context.dispatch().execute(() -> {
                stopQuietly(w.job(), w.job().attempt);
                synchronized (ex) {
                    if (ex.state != ExecutionState.STOPPED && w.job().state == JobState.RETRYING) {
                        scheduleRetryLocked(w.job(), w.left());
                    }
                }
            });
        }
        advance();
    }

    /**
     * Tells listeners, for a resumed execution, what its earlier controller recorded: the results it
     * accepted (read again from the report directory) and the jobs that ended, in the plan's order.
     * Under the monitor, so a result accepted meanwhile is never followed by an older stored one.
     */
    void republish(RecordedExecution records, java.util.function.Function<String, Optional<io.batchjob.core.result.JobResult>> storedResult) {
        synchronized (ex) {
            if (ex.state == ExecutionState.STOPPED) {
                return;
            }
            for (String node : records.reported()) {
                if (ex.jobs.containsKey(node)) {
                    storedResult.apply(node).ifPresent(result -> context.events().publish(l -> l.onResultReceived(ex.id, node, result)));
                }
            }
            for (Job job : ex.jobs.values()) {
                if (job.state.isEnded()) {
                    JobSummary summary = job.summary();
                    context.events().publish(l -> l.onJobEnded(ex.id, summary));
                }
            }
        }
    }

    /** Fills free slots with pending jobs and finishes the execution when nothing is left. */
    void advance() {
        List<Job> toLaunch = new ArrayList<>();
        ExecutionSummary finished = null;
        synchronized (ex) {
            if (!ex.state.isRunning()) {
                return;
            }
            while (ex.inFlight < settings.poolSize() && !ex.pending.isEmpty()) {
                Job job = ex.pending.poll();
                job.moveTo(JobState.LAUNCHING);
                // Every attempt has its own secret: one of an attempt that ended stops working.
                job.secret = CallbackSecrets.newSecret();
                job.attempt++;
                job.reported = false;
                job.timedOut = false;
                job.startedAt = context.clock().instant();
                job.holdsSlot = true;
                ex.inFlight++;
                ex.peakInFlight = Math.max(ex.peakInFlight, ex.inFlight);
                int attempt = job.attempt;
                if (settings.jobTimeout() != null) {
                    job.timeout = context.timer().schedule(settings.jobTimeout(), () -> onTimeout(job, attempt));
                }
                String node = job.node;
                context.events().publish(l -> l.onJobStarted(ex.id, node));
                toLaunch.add(job);
            }
            if (ex.isComplete()) {
                ex.state = ex.state.finishing();
                finished = ex.summary(context.clock().instant());
            }
        }
        for (Job job : toLaunch) {
            context.dispatch().execute(() -> launch(job));
        }
        if (finished != null) {
            finish(finished);
        }
    }

    private void launch(Job job) {
        String secret;
        int attempt;
        synchronized (ex) {
            // Timed out while queued, or handed over: nothing to start.
            if (ex.state == ExecutionState.STOPPED || job.state != JobState.LAUNCHING) {
                return;
            }
            secret = job.secret;
            attempt = job.attempt;
        }
        java.util.Optional<String> fenced = context.store().fence().refusal();
        if (fenced.isPresent()) {
            // This controller may no longer lead: the job stays unlaunched here; the leader resumes the execution and starts it.
            LOG.info("not creating the job for node {}: {}", job.node, fenced.get());
            return;
        }
        try (MDC.MDCCloseable a = MDC.putCloseable("executionID", ex.id); MDC.MDCCloseable b = MDC.putCloseable("node", job.node)) {
            JobRequest request;
            try {
                request = new JobRequest(ex.id, job.node, secret, context.environment().build(ex.id, job.node, secret), settings.jobTimeout(),
                        attempt);
            } catch (RuntimeException e) {
                onJobEnd(job, attempt, JobEnd.failed("cannot build the job environment: " + e.getMessage()));
                return;
            }
            try {
                context.backend().launch(request, end -> onJobEnd(job, attempt, end));
            } catch (JobLaunchException e) {
                LOG.warn("job for node {} could not be created: {}", job.node, e.getMessage());
                onJobEnd(job, attempt, JobEnd.failed("cannot create the job: " + e.getMessage()));
                return;
            } catch (RuntimeException e) {
                LOG.error("job for node {} could not be created", job.node, e);
                onJobEnd(job, attempt, JobEnd.failed("cannot create the job: " + e));
                return;
            }
            boolean stopAgain;
            synchronized (ex) {
                if (job.state == JobState.LAUNCHING && job.attempt == attempt) {
                    job.moveTo(JobState.RUNNING);
                }
                // The timeout fired, or a new trigger replaced the execution, while the backend was still creating the job.
                // An attempt given up meanwhile (a later one started) is stopped too: two never run at once.
                stopAgain = ex.state != ExecutionState.STOPPED && (job.attempt != attempt || job.endedAs(JobOutcome.TIMED_OUT)
                        || job.endedAs(JobOutcome.REPLACED) || (job.state == JobState.RETRYING && job.timedOut));
            }
            if (stopAgain) {
                stopQuietly(job, attempt);
            }
        }
    }

    /** Watches jobs that were running when this controller took the execution over. */
    private void adopt(Map<Job, ExistingJob> adopted, Instant now) {
        if (settings.jobTimeout() != null) {
            synchronized (ex) {
                adopted.keySet().forEach(job -> {
                    Duration left = settings.jobTimeout().minus(Duration.between(job.startedAt, now));
                    int attempt = job.attempt;
                    job.timeout = context.timer().schedule(left.isNegative() ? Duration.ZERO : left, () -> onTimeout(job, attempt));
                });
            }
        }
        adopted.forEach((job, existing) -> context.dispatch().execute(() -> {
            try {
                context.backend().adopt(existing, end -> onJobEnd(job, existing.attempt(), end));
            } catch (RuntimeException e) {
                onJobEnd(job, existing.attempt(), JobEnd.failed("cannot watch the job after the restart: " + e.getMessage()));
            }
        }));
    }

    private void onJobEnd(Job job, int attempt, JobEnd end) {
        synchronized (ex) {
            if (ex.state == ExecutionState.STOPPED || !job.state.isActive() || job.attempt != attempt) {
                return; // a repeated or late signal, or one of an earlier attempt
            }
            JobOutcome next;
            String reason;
            if (end.outcome() == JobOutcome.FAILED) {
                next = JobOutcome.FAILED;
                reason = end.reason().isEmpty() ? "the job failed" : end.reason();
            } else if (job.reported) {
                next = JobOutcome.SUCCEEDED;
                reason = "";
            } else {
                next = JobOutcome.NO_REPORT;
                reason = "the job ended without sending a result";
            }
            boolean retrying = next != JobOutcome.SUCCEEDED && retryLocked(job, next, reason);
            if (!retrying) {
                endLocked(job, next, reason);
            }
            releaseSlotLocked(job);
            if (retrying) {
                scheduleRetryLocked(job);
            }
        }
        advance();
    }

    private void onTimeout(Job job, int attempt) {
        synchronized (ex) {
            if (ex.state == ExecutionState.STOPPED || !job.state.isActive() || job.attempt != attempt) {
                return;
            }
            job.timeout = null;
            String reason = "the job ran longer than jobTimeout " + GoDuration.format(settings.jobTimeout());
            if (retryLocked(job, JobOutcome.TIMED_OUT, reason)) {
                job.timedOut = true;
            } else {
                endLocked(job, JobOutcome.TIMED_OUT, reason);
            }
            // The slot stays taken until the backend confirms the job is stopped, so the pool limit holds
            // for what really runs; the next attempt is queued only then (it must not run beside this one).
        }
        context.dispatch().execute(() -> {
            try {
                stopQuietly(job, attempt);
            } finally {
                synchronized (ex) {
                    releaseSlotLocked(job);
                    if (job.state == JobState.RETRYING && job.attempt == attempt && ex.state != ExecutionState.STOPPED) {
                        scheduleRetryLocked(job);
                    }
                }
                advance();
            }
        });
    }

    private void stopQuietly(Job job, int attempt) {
        try {
            context.backend().stop(ex.id, job.node, attempt);
        } catch (RuntimeException e) {
            LOG.warn("could not stop the job of execution {} on node {}: {}", ex.id, job.node, e.toString());
        }
    }

    // ---------------------------------------------------------------- retries

    /**
     * Ends the job's attempt without ending the job when it has attempts left ({@code jobRetries}):
     * the attempt is recorded, its secret stops working, and the job waits for its next attempt.
     * Caller holds the monitor, and queues the next attempt with {@link #scheduleRetryLocked} once
     * the attempt no longer holds a slot.
     *
     * @return whether the job will be started again
     */
    private boolean retryLocked(Job job, JobOutcome outcome, String reason) {
        if (job.attempt >= settings.retries().maxAttempts() || !ex.state.isRunning()) {
            return false;
        }
        Instant now = context.clock().instant();
        JobAttempt ended = new JobAttempt(job.attempt, outcome, job.startedAt, now, reason);
        job.moveTo(JobState.RETRYING);
        job.cancelTimeout();
        job.retried.add(ended);
        job.secret = null;
        job.timedOut = false;
        LOG.info("job of execution {} on node {}: attempt {} of {} ended {} ({}); next attempt in {}", ex.id, job.node, ended.number(),
                settings.retries().maxAttempts(), ended.outcome(), reason, GoDuration.format(settings.retries().delay()));
        context.events().journalRetry(ex.id, job.node, ended);
        String node = job.node;
        context.events().publish(l -> l.onJobRetrying(ex.id, node, ended));
        return true;
    }

    /** Queues the job's next attempt after {@code jobRetryDelay}; caller holds the monitor. */
    private void scheduleRetryLocked(Job job) {
        scheduleRetryLocked(job, settings.retries().delay());
    }

    void scheduleRetryLocked(Job job, Duration delay) {
        int attempt = job.attempt;
        job.retry = context.timer().schedule(delay.isNegative() ? Duration.ZERO : delay, () -> {
            synchronized (ex) {
                if (!ex.state.isRunning() || job.state != JobState.RETRYING || job.attempt != attempt) {
                    return;
                }
                job.retry = null;
                job.moveTo(JobState.PENDING);
                ex.pending.addLast(job);
            }
            advance();
        });
    }

    /** Moves a job to an end state and records it; caller holds the execution's monitor. */
    private void endLocked(Job job, JobOutcome how, String reason) {
        job.end(how);
        job.endedAt = context.clock().instant();
        job.reason = reason;
        job.cancelTimeout();
        job.cancelRetry();
        ex.ended++;
        recordEndLocked(job.summary());
        // At most one line per tenth, saying the true share (1 of 4 jobs is 25 %, not a rounded 20 %).
        int decile = ex.jobs.isEmpty() ? 10 : ex.ended * 10 / ex.jobs.size();
        if (decile > ex.reportedDecile) {
            ex.reportedDecile = decile;
            LOG.info("execution {}: {}% done ({}/{} jobs)", ex.id, ex.jobs.isEmpty() ? 100 : ex.ended * 100 / ex.jobs.size(), ex.ended,
                    ex.jobs.size());
        }
    }

    private void recordEndLocked(JobSummary summary) {
        if (summary.outcome() != JobOutcome.SUCCEEDED) {
            LOG.info("job of execution {} on node {} ended: {} ({})", ex.id, summary.node(), summary.outcome(), summary.reason());
        }
        // Journal and listeners run on the events thread, in this order, after the state changed.
        context.events().journal(ex.id, summary);
        context.events().publish(l -> l.onJobEnded(ex.id, summary));
    }

    private void releaseSlotLocked(Job job) {
        if (job.holdsSlot) {
            job.holdsSlot = false;
            ex.inFlight--;
        }
    }

    private void finish(ExecutionSummary summary) {
        context.events().queue(() -> {
            context.events().summary(summary); // kept and written later when the volume is full
            onFinished.accept(this);
            Map<JobOutcome, Integer> counts = summary.counts();
            LOG.info("execution {} finished in {} ms: {} succeeded, {} failed, {} without report, {} timed out, {} replaced",
                    ex.id, summary.durationMillis(), counts.get(JobOutcome.SUCCEEDED), counts.get(JobOutcome.FAILED),
                    counts.get(JobOutcome.NO_REPORT), counts.get(JobOutcome.TIMED_OUT), counts.get(JobOutcome.REPLACED));
            if (!summary.unseen().isEmpty()) {
                LOG.warn("execution {}: the results of {} nodes are not in this report directory (they ended before this controller took"
                        + " the execution over from one with a directory of its own): {}", ex.id, summary.unseen().size(), summary.unseen());
            }
            context.events().notifyListeners(l -> l.onExecutionFinished(summary));
            ex.completion.complete(summary);
        }, () -> ex.completion.cancel(false));
    }

    // ---------------------------------------------------------------- ending early

    /**
     * Why a {@code Replace} trigger must not end this execution yet: some of its jobs still wait for
     * a pool slot. Empty once every job has been launched (or the execution is ending anyway).
     */
    Optional<String> stillLaunching() {
        synchronized (ex) {
            if (!ex.state.isRunning() || ex.pending.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of("execution " + ex.id + " is still launching: " + ex.pending.size() + " of " + ex.jobs.size()
                    + " jobs wait for a pool slot (concurrencyPolicy: Replace replaces it once every job has started)");
        }
    }

    /**
     * Ends the execution for a new trigger: what has not ended ends as replaced; the summary is written.
     *
     * @return the nodes whose jobs ended as replaced, in the execution's order
     */
    List<String> replace(String cause) {
        ExecutionSummary summary;
        List<String> replacedNodes = new ArrayList<>();
        synchronized (ex) {
            if (!ex.state.isRunning()) {
                return List.of(); // its last job just ended: it finishes by itself
            }
            Instant now = context.clock().instant();
            String reason = "replaced by a new execution (" + cause + ") before it ended";
            for (Job job : ex.jobs.values()) {
                if (!job.state.isEnded()) {
                    if (job.startedAt == null) {
                        job.startedAt = now; // never started
                    }
                    endLocked(job, JobOutcome.REPLACED, reason);
                    releaseSlotLocked(job);
                    replacedNodes.add(job.node);
                }
            }
            ex.pending.clear();
            ex.state = ex.state.finishing();
            summary = ex.summary(now);
        }
        LOG.info("execution {} is replaced by a new trigger ({}): {} unfinished job(s) end as replaced", ex.id, cause, replacedNodes.size());
        finish(summary);
        return replacedNodes;
    }

    /** Gives the execution up without touching its jobs (another controller resumes it). */
    void stopTracking() {
        synchronized (ex) {
            ex.state = ExecutionState.STOPPED;
            ex.jobs.values().forEach(job -> {
                job.cancelTimeout();
                job.cancelRetry();
            });
        }
        ex.completion.completeExceptionally(new CancellationException(
                "execution " + ex.id + " was handed over: this controller no longer dispatches"));
    }

    // ---------------------------------------------------------------- callbacks

    /**
     * The job of a node if it may send callbacks now: the execution runs and the job has started.
     *
     * @throws UnknownJobException saying why not
     */
    void requireAcceptsCallbacks(String node) {
        synchronized (ex) {
            jobAcceptingCallbacksLocked(node);
        }
    }

    private Job jobAcceptingCallbacksLocked(String node) {
        if (!ex.state.isRunning()) {
            throw new UnknownJobException("execution " + ex.id + " has finished");
        }
        Job job = ex.jobs.get(node);
        if (job == null) {
            throw new UnknownJobException("node " + node + " is not part of execution " + ex.id);
        }
        if (job.state == JobState.PENDING) {
            throw new UnknownJobException("the job of node " + node + " in execution " + ex.id + " has not started yet");
        }
        if (job.state == JobState.RETRYING && job.retried.get(job.retried.size() - 1).outcome() != JobOutcome.NO_REPORT) {
            throw new UnknownJobException("attempt " + job.attempt + " of node " + node + " in execution " + ex.id
                    + " has ended; the next one starts after jobRetryDelay");
        }
        return job;
    }

    /** The current attempt of a node's job (1 before its first start, and for unknown nodes). */
    int attempt(String node) {
        synchronized (ex) {
            Job job = ex.jobs.get(node);
            return job == null ? 1 : job.attempts();
        }
    }

    /** The secret of a job that may call back now; empty for unknown or ended jobs. */
    Optional<String> liveSecret(String node) {
        synchronized (ex) {
            Job job = ex.jobs.get(node);
            return job == null || job.state.isEnded() ? Optional.empty() : Optional.ofNullable(job.secret);
        }
    }

    /**
     * Records an accepted result: the node counts as reported, a job that ended without a report
     * becomes succeeded, and {@code deliver} (queuing the listeners' notification) runs under the
     * monitor, so it is ordered before that end.
     *
     * @throws UnknownJobException when the job no longer accepts callbacks
     */
    void resultAccepted(String node, Runnable deliver) {
        boolean ended = false;
        synchronized (ex) {
            Job job = jobAcceptingCallbacksLocked(node);
            if (!job.reported) {
                context.events().resultAccepted(ex.id, node, job.attempt);
            }
            job.reported = true;
            deliver.run();
            if (job.endedAs(JobOutcome.NO_REPORT)) {
                job.end(JobOutcome.SUCCEEDED);
                job.reason = "";
                recordEndLocked(job.summary());
            } else if (job.state == JobState.RETRYING) {
                // The attempt's result was on its way when it ended without one: it succeeded after all.
                JobAttempt last = job.retried.remove(job.retried.size() - 1);
                job.startedAt = last.startedAt();
                endLocked(job, JobOutcome.SUCCEEDED, "");
                ended = true;
            }
        }
        if (ended) {
            advance(); // it may have been the last job
        }
    }

    /**
     * The node a report file belongs to: the one whose result it is ({@code <node>.json}) or whose
     * prefix it carries ({@code <node>-*}), the longest such node when names share a prefix.
     */
    Optional<String> nodeOwningFile(String fileName) {
        // The candidates are the file name's own prefixes (before a '-', or before ".json"): a lookup
        // each, not a scan of every node of the execution (that made each upload cost O(nodes)).
        String owner = null;
        synchronized (ex) {
            if (fileName.endsWith(".json") && ex.jobs.containsKey(fileName.substring(0, fileName.length() - 5))) {
                owner = fileName.substring(0, fileName.length() - 5);
            }
            for (int dash = fileName.lastIndexOf('-'); dash > 0 && (owner == null || dash > owner.length()); dash = fileName.lastIndexOf('-', dash - 1)) {
                String candidate = fileName.substring(0, dash);
                if (ex.jobs.containsKey(candidate)) {
                    owner = candidate;
                    break; // the longest prefix that is a node
                }
            }
        }
        return Optional.ofNullable(owner);
    }

    /** A snapshot of every job, for the status API (files are added by {@link ExecutionStatus}). */
    ExecutionStatus.Detail detail() {
        List<ExecutionStatus.NodeStatus> nodes = new ArrayList<>();
        synchronized (ex) {
            for (Job job : ex.jobs.values()) {
                if (job.state.isEnded()) {
                    nodes.add(ExecutionStatus.ended(job.summary(), null));
                } else {
                    JobState state = job.state.shown(!job.retried.isEmpty());
                    String reason = job.retried.isEmpty() ? null : job.retried.get(job.retried.size() - 1).reason();
                    nodes.add(new ExecutionStatus.NodeStatus(job.node, state, null, job.startedAt, null, null, reason, null, null,
                            ExecutionStatus.attemptOf(job.attempts()), ExecutionStatus.retriedOf(List.copyOf(job.retried))));
                }
            }
        }
        return new ExecutionStatus.Detail(ex.id, ex.cause, ExecutionStatus.State.RUNNING, ex.startedAt, null,
                ExecutionStatus.counts(nodes, ex.skipped), ex.skipped, nodes, ex.unseen.isEmpty() ? null : ex.unseen);
    }

    /** A snapshot of the execution's progress. */
    ExecutionProgress progress() {
        synchronized (ex) {
            return ex.progress();
        }
    }
}

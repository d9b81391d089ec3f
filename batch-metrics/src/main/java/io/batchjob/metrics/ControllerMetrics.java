package io.batchjob.metrics;

import io.batchjob.core.spi.CallbackObserver;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobSummary;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The controller's own operational metrics, under {@value #PREFIX}:
 * executions by result, skipped and failed triggers, jobs in flight, jobs by outcome, job duration,
 * callback requests by endpoint and status, callback latency, bytes stored, and what alert rules
 * need: the Unix time of each node's last successful job, the number of executions in a row in
 * which a node did not succeed, the end time of the last execution and the schedule's longest
 * interval (alert on {@code time() - last end > 2 * interval}).
 *
 * <p>Jobs are counted when they end; a result that arrives after its job ended (rare: jobs report
 * before they exit) does not change {@code jobs_total}. Thread-safe: listener calls come from the
 * engine's events thread, callback observations from HTTP worker threads; {@link #restore} runs
 * before the engine starts.
 */
public final class ControllerMetrics implements ExecutionListener, CallbackObserver {

    public static final String PREFIX = "batch_job_controller_";

    private final Counter executions;
    private final Counter triggersSkipped;
    private final Counter triggersFailed;
    private final Counter jobs;
    private final Counter jobRetries;
    private final Histogram jobDuration;
    private final Gauge lastExecutionDuration;
    private final Gauge nodeLastSuccess;
    private final Counter callbackRequests;
    private final Histogram callbackDuration;
    private final Counter storedBytes;
    private final Counter budgetRefusals;
    private final Counter configReloadFailures;
    private final Gauge lastExecutionEnd;
    private final Gauge nodeConsecutiveProblems;
    // Nodes already counted in the running execution; only touched from the events thread.
    private final Set<String> counted = new HashSet<>();
    // Executions in a row, up to the last finished one, in which the node did not succeed; events thread only.
    private final Map<String, Integer> problemStreaks = new HashMap<>();

    /**
     * Without a schedule interval ({@code schedule_longest_interval_seconds} is not published).
     *
     * @param jobsInFlight read at scrape time: jobs created and not ended (e.g. from the engine's progress)
     */
    public ControllerMetrics(PrometheusRegistry registry, IntSupplier jobsInFlight) {
        this(registry, jobsInFlight, Optional::empty);
    }

    /**
     * @param jobsInFlight     read at scrape time: jobs created and not ended (e.g. from the engine's progress)
     * @param scheduleInterval read at scrape time: the schedule's longest interval between triggers
     *                         (e.g. {@code TriggerScheduler::longestInterval}); empty while suspended or
     *                         without a schedule, and then no sample is published
     */
    public ControllerMetrics(PrometheusRegistry registry, IntSupplier jobsInFlight, Supplier<Optional<Duration>> scheduleInterval) {
        executions = Counter.builder().name(PREFIX + "executions_total")
                .help("Executions that finished, by result (success: every node succeeded)").labelNames("result").register(registry);
        triggersSkipped = Counter.builder().name(PREFIX + "triggers_skipped_total")
                .help("Triggers ignored because an execution was running or the controller was not the leader").register(registry);
        configReloadFailures = Counter.builder().name(PREFIX + "config_reload_failures_total")
                .help("Changes of the ConfigMap that were refused (invalid config); the controller kept its previous config")
                .register(registry);
        triggersFailed = Counter.builder().name(PREFIX + "triggers_failed_total")
                .help("Triggers that could not start an execution (node listing or report directory failed)").register(registry);
        GaugeWithCallback.builder().name(PREFIX + "jobs_in_flight").help("Jobs created and not yet ended")
                .callback(cb -> cb.call(jobsInFlight.getAsInt())).register(registry);
        jobs = Counter.builder().name(PREFIX + "jobs_total").help("Jobs that ended, by outcome")
                .labelNames("outcome").register(registry);
        jobRetries = Counter.builder().name(PREFIX + "job_retries_total")
                .help("Attempts of jobs that did not succeed and were followed by another (jobRetries), by the attempt's outcome")
                .labelNames("outcome").register(registry);
        jobDuration = Histogram.builder().name(PREFIX + "job_duration_seconds").help("Run time of ended jobs")
                .unit(Unit.SECONDS).labelNames("outcome")
                .classicOnly().classicUpperBounds(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400)
                .register(registry);
        lastExecutionDuration = Gauge.builder().name(PREFIX + "last_execution_duration_seconds")
                .help("Wall time of the last finished execution").unit(Unit.SECONDS).register(registry);
        nodeLastSuccess = Gauge.builder().name(PREFIX + "node_last_success_timestamp_seconds")
                .help("Unix time at which the node's job last succeeded (ended well and reported)")
                .labelNames("node").register(registry);
        callbackRequests = Counter.builder().name(PREFIX + "callback_requests_total")
                .help("Callback API requests by endpoint and HTTP status").labelNames("endpoint", "status").register(registry);
        callbackDuration = Histogram.builder().name(PREFIX + "callback_request_duration_seconds")
                .help("Callback API request latency").unit(Unit.SECONDS).labelNames("endpoint")
                .classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
        storedBytes = Counter.builder().name(PREFIX + "stored_bytes_total")
                .help("Bytes written to the report directory by callbacks").labelNames("endpoint").register(registry);
        budgetRefusals = Counter.builder().name(PREFIX + "budget_refusals_total")
                .help("Callbacks refused because they would exceed a budget (nothing stored), by budget").labelNames("budget")
                .register(registry);
        lastExecutionEnd = Gauge.builder().name(PREFIX + "last_execution_end_timestamp_seconds")
                .help("Unix time at which the last finished execution ended (its last job)").unit(Unit.SECONDS).register(registry);
        nodeConsecutiveProblems = Gauge.builder().name(PREFIX + "node_consecutive_problems")
                .help("Finished executions in a row, up to the last one, in which the node's job did not succeed "
                        + "(0 once it succeeds; nodes that were not in the last execution have no series)")
                .labelNames("node").register(registry);
        GaugeWithCallback.builder().name(PREFIX + "schedule_longest_interval_seconds")
                .help("Longest gap between two scheduled triggers in the next 8 days (absent while suspended or without a schedule)")
                .unit(Unit.SECONDS)
                .callback(cb -> scheduleInterval.get().ifPresent(d -> cb.call(d.toMillis() / 1000.0))).register(registry);
        for (String result : new String[]{"success", "problems"}) {
            executions.initLabelValues(result);
        }
        for (io.batchjob.core.spi.JobOutcome o : io.batchjob.core.spi.JobOutcome.values()) {
            jobs.initLabelValues(outcome(o));
        }
    }

    @Override
    public void onExecutionStarted(ExecutionStart start) {
        counted.clear();
    }

    @Override
    public void onTriggerSkipped(String cause, String reason) {
        triggersSkipped.inc();
    }

    @Override
    public void onTriggerFailed(String cause, String reason) {
        triggersFailed.inc();
    }

    @Override
    public void onJobRetrying(String executionId, String node, io.batchjob.core.spi.JobAttempt attempt) {
        jobRetries.labelValues(outcome(attempt.outcome())).inc();
    }

    @Override
    public void onJobEnded(String executionId, JobSummary job) {
        if (counted.add(job.node())) {
            jobs.labelValues(outcome(job.outcome())).inc();
            jobDuration.labelValues(outcome(job.outcome())).observe(job.durationMillis() / 1000.0);
        }
        if (!job.outcome().isProblem()) {
            nodeLastSuccess.labelValues(job.node()).set(job.endedAt().toEpochMilli() / 1000.0);
        }
    }

    @Override
    public void onExecutionFinished(ExecutionSummary summary) {
        executions.labelValues(summary.allSucceeded() ? "success" : "problems").inc();
        finished(summary);
        counted.clear();
    }

    /**
     * Takes the state of executions that finished before this process started (oldest first, e.g.
     * their {@code _summary.json}), so the streak of a failing node and the time of the last end
     * survive a restart. Counters are not touched: they count what this process saw.
     */
    public void restore(List<ExecutionSummary> finishedOldestFirst) {
        finishedOldestFirst.forEach(this::finished);
    }

    private void finished(ExecutionSummary summary) {
        lastExecutionDuration.set(summary.durationMillis() / 1000.0);
        lastExecutionEnd.set(summary.endedAt().toEpochMilli() / 1000.0);
        Map<String, Integer> streaks = new HashMap<>();
        for (JobSummary job : summary.jobs()) {
            int streak = job.outcome() == io.batchjob.core.spi.JobOutcome.SUCCEEDED ? 0 : problemStreaks.getOrDefault(job.node(), 0) + 1;
            streaks.put(job.node(), streak);
            nodeConsecutiveProblems.labelValues(job.node()).set(streak);
        }
        // A node that left the selection (or the cluster) keeps no streak that could alert forever.
        problemStreaks.keySet().stream().filter(n -> !streaks.containsKey(n)).forEach(nodeConsecutiveProblems::remove);
        problemStreaks.clear();
        problemStreaks.putAll(streaks);
    }

    @Override
    public void onCallback(CallbackRequest request) {
        callbackRequests.labelValues(request.endpoint(), Integer.toString(request.status())).inc();
        callbackDuration.labelValues(request.endpoint()).observe(request.duration().toNanos() / 1e9);
        if (request.bytesStored() > 0) {
            storedBytes.labelValues(request.endpoint()).inc(request.bytesStored());
        }
    }

    @Override
    public void onBudgetExceeded(String budget) {
        budgetRefusals.labelValues(budget).inc();
    }

    private static String outcome(io.batchjob.core.spi.JobOutcome o) {
        return o.name().toLowerCase(Locale.ROOT);
    }

    /** A changed ConfigMap was refused; the previous config stays in force. */
    public void configReloadFailed() {
        configReloadFailures.inc();
    }
}

package io.batchjob.core.config;

import io.batchjob.core.schedule.Schedule;
import io.batchjob.core.schedule.Schedules;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The controller's configuration ({@code config.yaml}): every key of the Go controller with the
 * same meaning, plus keys that are new here. Instances are valid by construction: use
 * {@link ConfigLoader} to read YAML or {@link #builder(String)} in code; both reject invalid
 * values with a {@link ConfigException} naming the key, the value and what is allowed.
 *
 * @param name                       controller name; prefix of job pod names, value of the owner label
 * @param jobServiceAccount          service account of job pods ("" = namespace default)
 * @param jobImagePullSecrets        names of the pull secrets of job pods
 * @param jobNodeSelector            equality label selector of the nodes to run on (empty = all)
 * @param runOnUnscheduledNodes      also run on cordoned nodes
 * @param cronExpression             when to trigger ("" = no schedule: start-up and manual triggers only)
 * @param cronTimeZone               zone the cron fields are evaluated in
 * @param reportDirectory            where reports are stored and served from
 * @param reportHistory              executions kept, the current one included (as the Go controller)
 * @param podPoolSize                most job pods running at once
 * @param runOnStartup               trigger once {@code startupDelay} after start
 * @param startupDelay               delay of the start-up trigger
 * @param callbackServiceName        Service whose ClusterIP is the callback host when POD_IP is unset
 * @param callbackServicePort        callback API port
 * @param custom                     free settings for embedders
 * @param latestMetricsLabel         also publish result metrics with {@code executionID="latest"}
 * @param leaderElectionResourceLock accepted for compatibility; Leases are always used
 * @param savePodLog                 save every container's log in the report directory
 * @param metrics                    the metrics section
 * @param healthProbePort            port of /healthz and /readyz
 * @param reportServerPort           port of the report server (new)
 * @param jobTimeout                 a job running longer ends as timed out (new, opt-in); {@code null}: no limit, as in
 *                                   the Go controller
 * @param maxUploadSize              largest accepted file upload (new)
 * @param maxResultSize              largest accepted result or event body (new)
 * @param callbackAuth               how job pods authenticate callbacks (new)
 * @param concurrencyPolicy          what a trigger does while an execution runs (new; default Replace, as in Go)
 * @param maxSeriesPerResult         most values (metric series) one result may carry (new; more is refused with 413)
 * @param suspend                    no scheduled (or start-up) triggers; manual runs and re-runs still work (new)
 * @param reportFileMode             permissions of report files (directories: plus search bits); 0600 as in Go (new)
 * @param budgets                    totals per job and in memory, checked before anything is stored (new; keys
 *                                   {@code maxFilesPerJob}, {@code maxBytesPerJob}, {@code maxSeriesInMemory})
 * @param callbackRelayWait          how long a replica that does not lead holds a callback while no replica leads,
 *                                   before it answers 503 (new; default 60 s)
 * @param jobRetries                 how often a node's failed, timed-out or silent job is started again within the
 *                                   execution (new; keys {@code jobRetries}, {@code jobRetryDelay}; none by default, as in Go)
 */
public record ControllerConfig(
        String name,
        String jobServiceAccount,
        List<String> jobImagePullSecrets,
        Map<String, String> jobNodeSelector,
        boolean runOnUnscheduledNodes,
        String cronExpression,
        ZoneId cronTimeZone,
        Path reportDirectory,
        int reportHistory,
        int podPoolSize,
        boolean runOnStartup,
        Duration startupDelay,
        String callbackServiceName,
        int callbackServicePort,
        CustomSettings custom,
        boolean latestMetricsLabel,
        String leaderElectionResourceLock,
        boolean savePodLog,
        MetricsConfig metrics,
        int healthProbePort,
        int reportServerPort,
        Duration jobTimeout,
        long maxUploadSize,
        long maxResultSize,
        CallbackAuth callbackAuth,
        ConcurrencyPolicy concurrencyPolicy,
        int maxSeriesPerResult,
        boolean suspend,
        ReportFileMode reportFileMode,
        Budgets budgets,
        Duration callbackRelayWait,
        JobRetries jobRetries) {

    /** Largest number of series one result may carry unless configured ({@code maxSeriesPerResult}). */
    public static final int DEFAULT_MAX_SERIES_PER_RESULT = ConfigKeys.defaultOf("maxSeriesPerResult");
    /** Values of {@code leaderElectionResourceLock} the Go controller knew; only Leases are used. */
    public static final Set<String> KNOWN_RESOURCE_LOCKS =
            Set.of("", "leases", "configmaps", "endpoints", "configmapsleases", "endpointsleases");

    /** Checks the invariants; {@link Builder#build()} reports the same problems with more context ({@link ConfigChecks}). */
    public ControllerConfig {
        List<String> problems = ConfigChecks.validate(name, jobServiceAccount, jobImagePullSecrets, jobNodeSelector, cronExpression,
                cronTimeZone, reportDirectory, reportHistory, podPoolSize, startupDelay, callbackServiceName,
                callbackServicePort, metrics, healthProbePort, reportServerPort, jobTimeout, maxUploadSize,
                maxResultSize, callbackAuth, leaderElectionResourceLock, custom, concurrencyPolicy, maxSeriesPerResult);
        if (reportFileMode == null) {
            problems.add("key 'reportFileMode' must not be null");
        }
        if (budgets == null) {
            problems.add("the budgets must not be null");
        }
        ConfigChecks.relayWaitProblem(callbackRelayWait).ifPresent(problems::add);
        if (jobRetries == null) {
            problems.add("the job retries must not be null");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("config", problems);
        }
        jobImagePullSecrets = List.copyOf(jobImagePullSecrets);
        jobNodeSelector = Collections.unmodifiableMap(new LinkedHashMap<>(jobNodeSelector));
    }

    /** The parsed cron schedule; empty when {@code cronExpression} is "". */
    public Optional<Schedule> schedule() {
        return cronExpression.isBlank() ? Optional.empty() : Optional.of(Schedules.parse(cronExpression, cronTimeZone));
    }

    /** The per-job time limit, if one is configured ({@code jobTimeout}; none by default, as in Go). */
    public Optional<Duration> jobTimeoutLimit() {
        return Optional.ofNullable(jobTimeout);
    }

    /** Name of the Lease used for leader election. */
    public String leaseName() {
        return name + "-leader-election";
    }

    public static Builder builder(String name) {
        return new Builder().name(name);
    }

    /** A builder pre-filled with this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.jobServiceAccount = jobServiceAccount;
        b.jobImagePullSecrets = jobImagePullSecrets;
        b.jobNodeSelector = jobNodeSelector;
        b.runOnUnscheduledNodes = runOnUnscheduledNodes;
        b.cronExpression = cronExpression;
        b.cronTimeZone = cronTimeZone;
        b.reportDirectory = reportDirectory;
        b.reportHistory = reportHistory;
        b.podPoolSize = podPoolSize;
        b.runOnStartup = runOnStartup;
        b.startupDelay = startupDelay;
        b.callbackServiceName = callbackServiceName;
        b.callbackServicePort = callbackServicePort;
        b.custom = custom;
        b.latestMetricsLabel = latestMetricsLabel;
        b.leaderElectionResourceLock = leaderElectionResourceLock;
        b.savePodLog = savePodLog;
        b.metrics(metrics);
        b.healthProbePort = healthProbePort;
        b.reportServerPort = reportServerPort;
        b.jobTimeout = jobTimeout;
        b.maxUploadSize = maxUploadSize;
        b.maxResultSize = maxResultSize;
        b.callbackAuth = callbackAuth;
        b.concurrencyPolicy = concurrencyPolicy;
        b.maxSeriesPerResult = maxSeriesPerResult;
        b.suspend = suspend;
        b.reportFileMode = reportFileMode;
        b.budgets(budgets);
        b.callbackRelayWait = callbackRelayWait;
        b.jobRetries = jobRetries.retries();
        b.jobRetryDelay = jobRetries.delay();
        return b;
    }

    static String quote(Object value) {
        if (value == null) {
            return "null";
        }
        String s = value.toString();
        if (s.length() > 80) {
            s = s.substring(0, 80) + "...";
        }
        return "'" + s.replace("\n", "\\n") + "'";
    }

    /** Builds a {@link ControllerConfig}; every field starts at its default in {@link ConfigKeys}. */
    public static final class Builder {
        private String name;
        private String jobServiceAccount;
        private List<String> jobImagePullSecrets;
        private Map<String, String> jobNodeSelector;
        private boolean runOnUnscheduledNodes;
        private String cronExpression;
        private ZoneId cronTimeZone;
        private Path reportDirectory;
        private int reportHistory;
        private int podPoolSize;
        private boolean runOnStartup;
        private boolean suspend;
        private Duration startupDelay;
        private String callbackServiceName;
        private int callbackServicePort;
        private CustomSettings custom;
        private boolean latestMetricsLabel;
        private String leaderElectionResourceLock;
        private boolean savePodLog;
        private String metricsPrefix;
        private Map<String, GaugeConfig> metricsGauges;
        private int metricsPort;
        private int healthProbePort;
        private int reportServerPort;
        private Duration jobTimeout;
        private long maxUploadSize;
        private long maxResultSize;
        private CallbackAuth callbackAuth;
        private ConcurrencyPolicy concurrencyPolicy;
        private int maxSeriesPerResult;
        private ReportFileMode reportFileMode;
        private long maxFilesPerJob;
        private long maxBytesPerJob;
        private long maxSeriesInMemory;
        private Duration callbackRelayWait;
        private long jobRetries;
        private Duration jobRetryDelay;

        private Builder() {
            ConfigKeys.ALL.forEach(k -> k.setDefault(this));
        }

        public Builder name(String v) { this.name = v; return this; }
        public Builder jobServiceAccount(String v) { this.jobServiceAccount = v; return this; }
        public Builder jobImagePullSecrets(List<String> v) { this.jobImagePullSecrets = v; return this; }
        public Builder jobNodeSelector(Map<String, String> v) { this.jobNodeSelector = v; return this; }
        public Builder runOnUnscheduledNodes(boolean v) { this.runOnUnscheduledNodes = v; return this; }
        public Builder cronExpression(String v) { this.cronExpression = v; return this; }
        public Builder cronTimeZone(ZoneId v) { this.cronTimeZone = v; return this; }
        public Builder reportDirectory(Path v) { this.reportDirectory = v; return this; }
        public Builder reportHistory(int v) { this.reportHistory = v; return this; }
        public Builder podPoolSize(int v) { this.podPoolSize = v; return this; }
        public Builder runOnStartup(boolean v) { this.runOnStartup = v; return this; }
        public Builder suspend(boolean v) { this.suspend = v; return this; }
        public Builder startupDelay(Duration v) { this.startupDelay = v; return this; }
        public Builder callbackServiceName(String v) { this.callbackServiceName = v; return this; }
        public Builder callbackServicePort(int v) { this.callbackServicePort = v; return this; }
        public Builder custom(CustomSettings v) { this.custom = v; return this; }
        public Builder latestMetricsLabel(boolean v) { this.latestMetricsLabel = v; return this; }
        public Builder leaderElectionResourceLock(String v) { this.leaderElectionResourceLock = v; return this; }
        public Builder savePodLog(boolean v) { this.savePodLog = v; return this; }
        public Builder metricsPrefix(String v) { this.metricsPrefix = v; return this; }
        public Builder metricsGauges(Map<String, GaugeConfig> v) { this.metricsGauges = v; return this; }
        public Builder metricsPort(int v) { this.metricsPort = v; return this; }
        public Builder healthProbePort(int v) { this.healthProbePort = v; return this; }
        public Builder reportServerPort(int v) { this.reportServerPort = v; return this; }
        public Builder jobTimeout(Duration v) { this.jobTimeout = v; return this; }
        public Builder maxUploadSize(long v) { this.maxUploadSize = v; return this; }
        public Builder maxResultSize(long v) { this.maxResultSize = v; return this; }
        public Builder callbackAuth(CallbackAuth v) { this.callbackAuth = v; return this; }
        public Builder concurrencyPolicy(ConcurrencyPolicy v) { this.concurrencyPolicy = v; return this; }
        public Builder maxSeriesPerResult(int v) { this.maxSeriesPerResult = v; return this; }
        public Builder reportFileMode(ReportFileMode v) { this.reportFileMode = v; return this; }
        public Builder maxFilesPerJob(long v) { this.maxFilesPerJob = v; return this; }
        public Builder maxBytesPerJob(long v) { this.maxBytesPerJob = v; return this; }
        public Builder maxSeriesInMemory(long v) { this.maxSeriesInMemory = v; return this; }
        public Builder callbackRelayWait(Duration v) { this.callbackRelayWait = v; return this; }
        public Builder jobRetries(long v) { this.jobRetries = v; return this; }
        public Builder jobRetryDelay(Duration v) { this.jobRetryDelay = v; return this; }

        /** The whole {@code metrics} section at once. */
        public Builder metrics(MetricsConfig v) {
            this.metricsPrefix = v.prefix();
            this.metricsGauges = v.gauges();
            this.metricsPort = v.port();
            return this;
        }

        public Builder budgets(Budgets v) {
            this.maxFilesPerJob = v.maxFilesPerJob();
            this.maxBytesPerJob = v.maxBytesPerJob();
            this.maxSeriesInMemory = v.maxSeriesInMemory();
            return this;
        }

        /** @throws ConfigException listing every invalid value */
        public ControllerConfig build() {
            return build("config");
        }

        /**
         * @param source where the values came from, named in errors (e.g. {@code ConfigMap ns/name})
         * @throws ConfigException listing every invalid value
         */
        public ControllerConfig build(String source) {
            List<String> problems = problems();
            if (!problems.isEmpty()) {
                throw new ConfigException(source, problems);
            }
            return new ControllerConfig(name, jobServiceAccount, jobImagePullSecrets, jobNodeSelector,
                    runOnUnscheduledNodes, cronExpression, cronTimeZone, reportDirectory, reportHistory, podPoolSize,
                    runOnStartup, startupDelay, callbackServiceName, callbackServicePort, custom, latestMetricsLabel,
                    leaderElectionResourceLock, savePodLog, metrics(), healthProbePort, reportServerPort, jobTimeout,
                    maxUploadSize, maxResultSize, callbackAuth, concurrencyPolicy, maxSeriesPerResult, suspend, reportFileMode,
                    new Budgets((int) maxFilesPerJob, maxBytesPerJob, maxSeriesInMemory), callbackRelayWait,
                    new JobRetries((int) jobRetries, jobRetryDelay));
        }

        /** The metrics section, or {@code null} when a part of it was set to null (a problem {@link #validate} names). */
        private MetricsConfig metrics() {
            return metricsPrefix == null || metricsGauges == null ? null : new MetricsConfig(metricsPrefix, metricsGauges, metricsPort);
        }

        List<String> problems() {
            List<String> p = ConfigChecks.validate(name, jobServiceAccount, jobImagePullSecrets, jobNodeSelector, cronExpression,
                    cronTimeZone, reportDirectory, reportHistory, podPoolSize, startupDelay, callbackServiceName,
                    callbackServicePort, metrics(), healthProbePort, reportServerPort, jobTimeout, maxUploadSize,
                    maxResultSize, callbackAuth, leaderElectionResourceLock, custom, concurrencyPolicy, maxSeriesPerResult);
            if (reportFileMode == null) {
                p.add("key 'reportFileMode' must not be null");
            }
            p.addAll(Budgets.problems(maxFilesPerJob, maxBytesPerJob, maxSeriesInMemory));
            ConfigChecks.relayWaitProblem(callbackRelayWait).ifPresent(p::add);
            p.addAll(JobRetries.problems(jobRetries, jobRetryDelay));
            return p;
        }
    }
}

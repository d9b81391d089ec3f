package io.batchjob.core.config;

import io.batchjob.core.schedule.Schedule;
import io.batchjob.core.schedule.Schedules;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

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
    private static final Duration MAX_CALLBACK_RELAY_WAIT = Duration.ofMinutes(10);

    private static Optional<String> relayWaitProblem(Duration wait) {
        if (wait == null || wait.isNegative() || wait.isZero() || wait.compareTo(MAX_CALLBACK_RELAY_WAIT) > 0) {
            return Optional.of("key 'callbackRelayWait': value " + (wait == null ? "null" : GoDuration.format(wait))
                    + " is invalid: must be a duration from 1s to 10m, e.g. 60s");
        }
        return Optional.empty();
    }

    /** Values of {@code leaderElectionResourceLock} the Go controller knew; only Leases are used. */
    public static final Set<String> KNOWN_RESOURCE_LOCKS =
            Set.of("", "leases", "configmaps", "endpoints", "configmapsleases", "endpointsleases");

    // Pod name prefix and label value at once: lower-case DNS characters, at most 63.
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");
    private static final Pattern LABEL_KEY = Pattern.compile(
            "([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final long MAX_JOB_TIMEOUT_SECONDS = Integer.MAX_VALUE;

    /** Checks the invariants; {@link Builder#build()} reports the same problems with more context. */
    public ControllerConfig {
        List<String> problems = validate(name, jobServiceAccount, jobImagePullSecrets, jobNodeSelector, cronExpression,
                cronTimeZone, reportDirectory, reportHistory, podPoolSize, startupDelay, callbackServiceName,
                callbackServicePort, metrics, healthProbePort, reportServerPort, jobTimeout, maxUploadSize,
                maxResultSize, callbackAuth, leaderElectionResourceLock, custom, concurrencyPolicy, maxSeriesPerResult);
        if (reportFileMode == null) {
            problems.add("key 'reportFileMode' must not be null");
        }
        if (budgets == null) {
            problems.add("the budgets must not be null");
        }
        relayWaitProblem(callbackRelayWait).ifPresent(problems::add);
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

    @SuppressWarnings("java:S107")
    static List<String> validate(String name, String jobServiceAccount, List<String> pullSecrets,
                                 Map<String, String> nodeSelector, String cron, ZoneId zone, Path reportDirectory,
                                 int reportHistory, int podPoolSize, Duration startupDelay, String callbackServiceName,
                                 int callbackServicePort, MetricsConfig metrics, int healthProbePort,
                                 int reportServerPort, Duration jobTimeout, long maxUploadSize, long maxResultSize,
                                 CallbackAuth callbackAuth, String resourceLock, CustomSettings custom,
                                 ConcurrencyPolicy concurrencyPolicy, int maxSeriesPerResult) {
        List<String> p = new ArrayList<>();
        if (name == null || name.isEmpty()) {
            p.add("key 'name' is required: set it to the controller's name (lower-case letters, digits, '-' and '.', at most 63 characters)");
        } else if (!NAME.matcher(name).matches()) {
            p.add("key 'name': value " + quote(name) + " is invalid: use lower-case letters, digits, '-' and '.', start and end with a letter or digit, at most 63 characters");
        }
        if (jobServiceAccount == null) {
            p.add("key 'jobServiceAccount' must not be null");
        } else if (!jobServiceAccount.isEmpty() && !DNS_SUBDOMAIN.matcher(jobServiceAccount).matches()) {
            p.add("key 'jobServiceAccount': value " + quote(jobServiceAccount) + " is not a valid service account name (lower-case DNS name)");
        }
        if (pullSecrets == null) {
            p.add("key 'jobImagePullSecrets' must not be null");
        } else {
            for (int i = 0; i < pullSecrets.size(); i++) {
                String s = pullSecrets.get(i);
                if (s == null || !DNS_SUBDOMAIN.matcher(s).matches()) {
                    p.add("key 'jobImagePullSecrets[" + i + "].name': value " + quote(s) + " is not a valid secret name (lower-case DNS name)");
                }
            }
        }
        if (nodeSelector == null) {
            p.add("key 'jobNodeSelector' must not be null");
        } else {
            nodeSelector.forEach((k, v) -> {
                if (k == null || !LABEL_KEY.matcher(k).matches()) {
                    p.add("key 'jobNodeSelector': label " + quote(k) + " is not a valid Kubernetes label key");
                } else if (v == null || !LABEL_VALUE.matcher(v).matches()) {
                    p.add("key 'jobNodeSelector." + k + "': value " + quote(v) + " is not a valid Kubernetes label value (at most 63 of A-Z a-z 0-9 - _ .)");
                }
            });
        }
        if (zone == null) {
            p.add("key 'cronTimeZone' must not be null");
        }
        if (cron == null) {
            p.add("key 'cronExpression' must not be null");
        } else if (!cron.isBlank() && zone != null) {
            try {
                Schedules.parse(cron, zone);
            } catch (IllegalArgumentException e) {
                p.add("key 'cronExpression': value " + quote(cron) + " is invalid: " + e.getMessage());
            }
        }
        if (reportDirectory == null || reportDirectory.toString().isEmpty()) {
            p.add("key 'reportDirectory' is required: set it to the directory reports are written to");
        }
        if (reportHistory < 0) {
            p.add("key 'reportHistory': value " + reportHistory + " is invalid: must be 0 or more (executions kept, the current one included)");
        }
        if (podPoolSize < 1) {
            p.add("key 'podPoolSize': value " + podPoolSize + " is invalid: must be at least 1");
        }
        if (startupDelay == null || startupDelay.isNegative()) {
            p.add("key 'startupDelay': value " + startupDelay + " is invalid: must be a duration of 0s or more");
        }
        if (callbackServiceName == null) {
            p.add("key 'callbackServiceName' must not be null");
        } else if (!callbackServiceName.isEmpty() && !DNS_SUBDOMAIN.matcher(callbackServiceName).matches()) {
            p.add("key 'callbackServiceName': value " + quote(callbackServiceName) + " is not a valid Service name (lower-case DNS name)");
        }
        checkPort(p, "callbackServicePort", callbackServicePort);
        checkPort(p, "healthProbePort", healthProbePort);
        checkPort(p, "reportServerPort", reportServerPort);
        if (metrics == null) {
            p.add("key 'metrics' must not be null");
        } else {
            checkPort(p, "metrics.port", metrics.port());
            validateMetrics(p, metrics);
            Map<Integer, String> ports = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> e : Map.of("callbackServicePort", callbackServicePort, "healthProbePort",
                    healthProbePort, "reportServerPort", reportServerPort, "metrics.port", metrics.port()).entrySet()) {
                String other = ports.putIfAbsent(e.getValue(), e.getKey());
                if (other != null && e.getValue() > 0) {
                    String[] keys = {other, e.getKey()};
                    java.util.Arrays.sort(keys);
                    p.add("keys '" + keys[0] + "' and '" + keys[1] + "' both use port " + e.getValue() + ": every server needs its own port");
                }
            }
        }
        if (jobTimeout != null && (jobTimeout.isZero() || jobTimeout.isNegative())) {
            p.add("key 'jobTimeout': value " + GoDuration.format(jobTimeout) + " is invalid: must be a duration greater than 0, e.g. 1h (or no key: no limit)");
        } else if (jobTimeout != null && jobTimeout.getSeconds() > MAX_JOB_TIMEOUT_SECONDS) {
            p.add("key 'jobTimeout': value is too long: at most " + MAX_JOB_TIMEOUT_SECONDS + "s");
        }
        if (maxUploadSize < 1) {
            p.add("key 'maxUploadSize': value " + maxUploadSize + " is invalid: must be a size of at least 1 byte, e.g. 100Mi");
        }
        if (maxResultSize < 1) {
            p.add("key 'maxResultSize': value " + maxResultSize + " is invalid: must be a size of at least 1 byte, e.g. 1Mi");
        }
        if (callbackAuth == null) {
            p.add("key 'callbackAuth' must not be null");
        }
        if (concurrencyPolicy == null) {
            p.add("key 'concurrencyPolicy' must not be null");
        }
        if (maxSeriesPerResult < 1) {
            p.add("key 'maxSeriesPerResult': value " + maxSeriesPerResult + " is invalid: must be at least 1");
        }
        if (resourceLock == null) {
            p.add("key 'leaderElectionResourceLock' must not be null");
        }
        if (custom == null) {
            p.add("key 'custom' must not be null");
        }
        return p;
    }

    private static void validateMetrics(List<String> p, MetricsConfig metrics) {
        String prefix = metrics.prefix();
        if (prefix.isEmpty() || !MetricNames.isValidMetricName(prefix)) {
            p.add("key 'metrics.prefix': value " + quote(prefix) + " is not a valid metric name prefix: use letters, digits, '_' and ':', not starting with a digit");
        }
        Map<String, String> exposed = new LinkedHashMap<>();
        metrics.gauges().forEach((suffix, gauge) -> {
            String key = "metrics.gauges." + suffix;
            if (suffix == null || suffix.isEmpty() || !MetricNames.isValidMetricName(prefix + "_" + suffix)) {
                p.add("key 'metrics.gauges': name " + quote(suffix) + " is not a valid metric name suffix: use letters, digits and '_'");
                return;
            }
            if (MetricNames.RESERVED_SUFFIXES.contains(suffix)) {
                p.add("key '" + key + "': the suffix '" + suffix + "' is reserved for the controller's own metrics " + MetricNames.RESERVED_SUFFIXES.stream().sorted().toList() + "; choose another name");
            }
            if (gauge == null) {
                p.add("key '" + key + "' must be a map with 'help' and 'labels'");
                return;
            }
            Set<String> seen = new HashSet<>();
            for (String label : gauge.labels()) {
                if (!MetricNames.isValidLabelName(label)) {
                    p.add("key '" + key + ".labels': label " + quote(label) + " is not a valid label name: use letters, digits and '_', not starting with a digit or '__'");
                } else if (MetricNames.RESERVED_LABELS.contains(label)) {
                    p.add("key '" + key + ".labels': label '" + label + "' is added by the controller itself; remove it");
                } else if (!seen.add(label)) {
                    p.add("key '" + key + ".labels': label '" + label + "' is listed twice");
                }
            }
            String other = exposed.putIfAbsent(suffix.toLowerCase(java.util.Locale.ROOT), suffix);
            if (other != null) {
                p.add("key 'metrics.gauges': '" + other + "' and '" + suffix + "' differ only in case; use distinct names");
            }
        });
    }

    private static void checkPort(List<String> p, String key, int port) {
        if (port < 1 || port > 65535) {
            p.add("key '" + key + "': value " + port + " is invalid: must be a port from 1 to 65535");
        }
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
            List<String> p = validate(name, jobServiceAccount, jobImagePullSecrets, jobNodeSelector, cronExpression,
                    cronTimeZone, reportDirectory, reportHistory, podPoolSize, startupDelay, callbackServiceName,
                    callbackServicePort, metrics(), healthProbePort, reportServerPort, jobTimeout, maxUploadSize,
                    maxResultSize, callbackAuth, leaderElectionResourceLock, custom, concurrencyPolicy, maxSeriesPerResult);
            if (reportFileMode == null) {
                p.add("key 'reportFileMode' must not be null");
            }
            p.addAll(Budgets.problems(maxFilesPerJob, maxBytesPerJob, maxSeriesInMemory));
            relayWaitProblem(callbackRelayWait).ifPresent(p::add);
            p.addAll(JobRetries.problems(jobRetries, jobRetryDelay));
            return p;
        }
    }
}

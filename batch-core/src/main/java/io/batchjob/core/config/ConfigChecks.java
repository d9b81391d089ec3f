package io.batchjob.core.config;

import io.batchjob.core.schedule.Schedules;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static io.batchjob.core.config.ControllerConfig.quote;

/**
 * The range and consistency checks of a {@link ControllerConfig}, one message per problem naming
 * the key, the value and what is allowed. The record's constructor and its builder both run them,
 * so values set in code are checked as values read from YAML are ({@link ConfigTypes} only reads).
 */
final class ConfigChecks {

    // Pod name prefix and label value at once: lower-case DNS characters, at most 63.
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");
    private static final Pattern LABEL_KEY = Pattern.compile(
            "([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final long MAX_JOB_TIMEOUT_SECONDS = Integer.MAX_VALUE;

    private static final Duration MAX_CALLBACK_RELAY_WAIT = Duration.ofMinutes(10);

    static Optional<String> relayWaitProblem(Duration wait) {
        if (wait == null || wait.isNegative() || wait.isZero() || wait.compareTo(MAX_CALLBACK_RELAY_WAIT) > 0) {
            return Optional.of("key 'callbackRelayWait': value " + (wait == null ? "null" : GoDuration.format(wait))
                    + " is invalid: must be a duration from 1s to 10m, e.g. 60s");
        }
        return Optional.empty();
    }

    private ConfigChecks() {
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
                    Arrays.sort(keys);
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
            String other = exposed.putIfAbsent(suffix.toLowerCase(Locale.ROOT), suffix);
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
}

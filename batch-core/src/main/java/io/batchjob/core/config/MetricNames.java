package io.batchjob.core.config;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Prometheus naming rules, checked when config and results are read so that two configured
 * names can never collapse into one exposed name and nothing invalid reaches the registry.
 */
public final class MetricNames {

    /** Suffixes the controller publishes itself; a configured gauge must not reuse them. */
    public static final Set<String> RESERVED_SUFFIXES = Set.of("processing", "duration", "pods", "current_execution_id", "info");

    /** Labels added to every result gauge by the controller. */
    public static final Set<String> RESERVED_LABELS = Set.of("node", "executionID");

    private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private MetricNames() {
    }

    /** Classic Prometheus metric name ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}). */
    public static boolean isValidMetricName(String name) {
        return name != null && METRIC.matcher(name).matches();
    }

    /** Classic Prometheus label name; names starting with {@code __} are reserved by Prometheus. */
    public static boolean isValidLabelName(String name) {
        return name != null && LABEL.matcher(name).matches() && !name.startsWith("__");
    }
}

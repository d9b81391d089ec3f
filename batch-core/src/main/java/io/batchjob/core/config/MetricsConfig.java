package io.batchjob.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code metrics} section.
 *
 * @param prefix metric name prefix
 * @param gauges configured gauges by suffix, in configuration order
 * @param port   port of the {@code /metrics} endpoint
 */
public record MetricsConfig(String prefix, Map<String, GaugeConfig> gauges, int port) {

    public static final String DEFAULT_PREFIX = "batch_job";
    public static final int DEFAULT_PORT = 9153;

    public MetricsConfig {
        Objects.requireNonNull(prefix, "prefix");
        gauges = Collections.unmodifiableMap(new LinkedHashMap<>(gauges));
    }

    /** The exposed name of a configured or built-in metric: {@code <prefix>_<suffix>}. */
    public String nameFor(String suffix) {
        return prefix + "_" + suffix;
    }
}

package io.batchjob.core.config;

import java.util.List;
import java.util.Objects;

/**
 * One configured result gauge ({@code metrics.gauges.<suffix>}).
 *
 * @param help   the help text
 * @param labels label names in the order they are published; {@code node} and
 *               {@code executionID} are added after them by the controller
 */
public record GaugeConfig(String help, List<String> labels) {
    public GaugeConfig {
        help = Objects.requireNonNullElse(help, "");
        labels = List.copyOf(labels);
    }
}

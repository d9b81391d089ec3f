package io.batchjob.core.result;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result a job posts: metric values by metric suffix, as in
 * {@code {"<suffix>": [{"value": 1.0, "labels": {"label_a": "AAA"}}]}}. Read with
 * {@link ResultParser}, which validates names and values.
 *
 * @param metrics values by metric suffix, in body order
 */
public record JobResult(Map<String, List<MetricValue>> metrics) {
    public JobResult {
        Map<String, List<MetricValue>> copy = new LinkedHashMap<>();
        metrics.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        metrics = Collections.unmodifiableMap(copy);
    }

    /** Number of values over all metrics. */
    public int valueCount() {
        return metrics.values().stream().mapToInt(List::size).sum();
    }
}

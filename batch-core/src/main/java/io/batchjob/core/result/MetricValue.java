package io.batchjob.core.result;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One value of a result metric: {@code {"value": 1.0, "labels": {"label_a": "AAA"}}}.
 *
 * @param value  a finite number
 * @param labels label values by label name (unconfigured labels are kept but not published)
 */
public record MetricValue(double value, Map<String, String> labels) {
    public MetricValue {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be a finite number, was " + value);
        }
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }
}

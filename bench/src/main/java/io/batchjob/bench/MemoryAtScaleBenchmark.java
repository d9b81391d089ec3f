package io.batchjob.bench;

import io.batchjob.metrics.ControllerMetrics;
import io.batchjob.metrics.ResultMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.nio.file.Path;
import java.util.Map;

/**
 * Heap after GC and RSS of a controller process holding 5,000 nodes x 31 executions of metrics (one
 * configured gauge, processing and duration), against a baseline measured first in the same process.
 */
final class MemoryAtScaleBenchmark {

    private MemoryAtScaleBenchmark() {
    }

    static void run(Path out) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        new ControllerMetrics(registry, () -> 0);
        long heap0 = Measure.heapAfterGc();
        long rss0 = Measure.rss();
        ResultMetrics metrics = new ResultMetrics(Measure.metricsConfig(1), registry, "bench");
        Measure.fill(metrics, 5_000, 31, 1);
        long heap = Measure.heapAfterGc();
        long rss = Measure.rss();
        System.out.printf("memory at scale: 5,000 nodes x 31 executions (465,000 series)%n");
        System.out.printf("heap after GC %.1f MiB (baseline %.1f MiB, +%.1f MiB), RSS %.1f MiB (baseline %.1f MiB)%n",
                heap / 1048576.0, heap0 / 1048576.0, (heap - heap0) / 1048576.0, rss / 1048576.0, rss0 / 1048576.0);
        Map<String, Object> doc = Measure.header("memory-at-scale");
        doc.put("nodes", 5_000);
        doc.put("executions", 31);
        doc.put("series", 5_000L * 31 * 3);
        doc.put("heapAfterGcMiB", heap / 1048576.0);
        doc.put("baselineHeapAfterGcMiB", heap0 / 1048576.0);
        doc.put("rssMiB", rss / 1048576.0);
        doc.put("baselineRssMiB", rss0 / 1048576.0);
        Measure.write(out, doc);
    }
}

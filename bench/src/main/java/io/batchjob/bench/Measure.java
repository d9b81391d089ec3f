package io.batchjob.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.metrics.ResultMetrics;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Shared helpers: heap after GC, RSS, allocated bytes, JSON output, filling result metrics. */
final class Measure {

    private Measure() {
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    /** Resident set size of this process (Linux /proc), in bytes. */
    static long rss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    /** Bytes allocated by all live threads so far (HotSpot). */
    static long allocated() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long a : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, a);
        }
        return total;
    }

    /** Benchmarks write many report files; they remove their temporary directories when done. */
    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static void write(Path file, Map<String, Object> doc) throws Exception {
        Files.createDirectories(file.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
        System.out.println("written " + file);
    }

    static Map<String, Object> header(String name) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("benchmark", name);
        doc.put("cores", Runtime.getRuntime().availableProcessors());
        doc.put("java", System.getProperty("java.version"));
        doc.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        return doc;
    }

    static ControllerConfig metricsConfig(int gauges) {
        StringBuilder yaml = new StringBuilder("name: bench\nlatestMetricsLabel: false\nmetrics:\n  prefix: bench\n  gauges:\n");
        for (int g = 0; g < gauges; g++) {
            yaml.append("    g").append(g).append(": {help: gauge, labels: [check, severity, zone]}\n");
        }
        return ConfigLoader.parseConfig(yaml.toString(), "bench", new ArrayList<>());
    }

    /** nodes x executions of results: per node and execution one value per gauge, plus processing and duration. */
    static void fill(ResultMetrics metrics, int nodes, int executions, int gauges) {
        Instant t0 = Instant.parse("2026-11-27T00:00:00Z");
        for (int e = 0; e < executions; e++) {
            String id = Long.toString(20261127000000L + e);
            List<String> names = new ArrayList<>(nodes);
            for (int n = 0; n < nodes; n++) {
                names.add("node-" + n);
            }
            metrics.onExecutionStarted(new ExecutionStart(id, "bench", t0, names, false));
            for (int n = 0; n < nodes; n++) {
                Map<String, List<MetricValue>> values = new LinkedHashMap<>();
                for (int g = 0; g < gauges; g++) {
                    values.put("g" + g, List.of(new MetricValue(n + g, Map.of("check", "c" + g, "severity", "high", "zone", "z" + (n % 3)))));
                }
                metrics.onResultReceived(id, names.get(n), new JobResult(values));
                metrics.onJobEnded(id, new JobSummary(names.get(n), JobOutcome.SUCCEEDED, t0, t0.plusMillis(1500), "", true));
            }
        }
    }
}

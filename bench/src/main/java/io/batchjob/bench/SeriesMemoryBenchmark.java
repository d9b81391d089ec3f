package io.batchjob.bench;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.metrics.MetricsServer;
import io.batchjob.metrics.ResultMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Heap per result series as jobs really send them: {@value #JOBS} jobs each posting one result of
 * {@value #VALUES} values per execution, held for 1 to {@code bench.executions} (6) executions, with
 * label values either shared (100 checks x 100 details x 3 zones: each label set distinct within a
 * result, the same across jobs and executions) or unique (a 70-character value per series, never repeated: the worst case, e.g. file
 * paths or package versions). After each execution: heap after GC, then one scrape over HTTP (it
 * must return every series; the heap must have room for it). Baseline in the same run: the empty
 * store. Run it with the heap a controller gets, e.g. {@code java -Xmx512m -jar bench/target/batch-bench.jar series-memory}.
 */
final class SeriesMemoryBenchmark {

    static final int JOBS = 30;
    static final int VALUES = 10_000;
    static final int EXECUTIONS = Integer.getInteger("bench.executions", 6);

    private SeriesMemoryBenchmark() {
    }

    static void run(Path out) throws Exception {
        System.out.printf("heap per result series, %d jobs x %d values per execution, %d cores, max heap %d MiB%n", JOBS, VALUES,
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("%-8s %10s %12s %14s %16s %12s%n", "labels", "executions", "series", "heap MiB", "bytes/series", "scrape s");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (boolean unique : new boolean[]{false, true}) {
            rows.addAll(measure(unique));
        }
        Map<String, Object> doc = Measure.header("series-memory");
        doc.put("results", rows);
        Measure.write(out, doc);
    }

    private static List<Map<String, Object>> measure(boolean unique) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        PrometheusRegistry registry = new PrometheusRegistry();
        ResultMetrics metrics = new ResultMetrics(ConfigLoader.parseConfig("""
                name: bench
                maxSeriesInMemory: 100000000
                metrics:
                  prefix: bench
                  gauges:
                    finding: {help: one finding, labels: [check, zone, detail]}
                """, "bench", new ArrayList<>()), registry, "bench");
        long baseline = Measure.heapAfterGc();
        Instant t0 = Instant.parse("2026-11-27T00:00:00Z");
        HttpClient client = HttpClient.newHttpClient();
        try (MetricsServer server = MetricsServer.start(registry, metrics, "127.0.0.1", 0)) {
            for (int e = 0; e < EXECUTIONS; e++) {
                String id = Long.toString(20261127000000L + e);
                List<String> nodes = new ArrayList<>();
                for (int j = 0; j < JOBS; j++) {
                    nodes.add("node-" + j);
                }
                metrics.onExecutionStarted(new ExecutionStart(id, "bench", t0, nodes, false));
                for (int j = 0; j < JOBS; j++) {
                    List<MetricValue> values = new ArrayList<>(VALUES);
                    for (int v = 0; v < VALUES; v++) {
                        // Shared: 100 checks x 100 details, every label set distinct, every value one of a few hundred.
                        String detail = unique ? uniqueValue(e, j, v) : "detail-" + (v / 100);
                        values.add(new MetricValue(v, Map.of("check", "check-" + (v % 100), "zone", "zone-" + (v % 3), "detail", detail)));
                    }
                    metrics.onResultReceived(id, nodes.get(j), new JobResult(Map.of("finding", values)));
                    metrics.onJobEnded(id, new JobSummary(nodes.get(j), JobOutcome.SUCCEEDED, t0, t0.plusMillis(1500), "", true));
                }
                long heap = Measure.heapAfterGc() - baseline;
                long series = metrics.heldSeries();
                long t = System.nanoTime();
                long lines;
                HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = r.body()) {
                    lines = countFindings(in);
                }
                double scrape = (System.nanoTime() - t) / 1e9;
                if (lines != (long) (e + 1) * JOBS * VALUES) {
                    throw new IllegalStateException("the scrape returned " + lines + " finding series, not " + (e + 1) * JOBS * VALUES);
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("labels", unique ? "unique 70 characters" : "shared");
                row.put("executions", e + 1);
                row.put("series", series);
                row.put("heapAboveBaselineMiB", heap / 1048576.0);
                row.put("bytesPerSeries", heap / (double) series);
                row.put("scrapeSeconds", scrape);
                rows.add(row);
                System.out.printf("%-8s %10d %12d %14.1f %16.1f %12.2f%n", unique ? "unique" : "shared", e + 1, series, heap / 1048576.0,
                        heap / (double) series, scrape);
            }
        }
        return rows;
    }

    /** 70 characters, different for every series of every job and execution (like a path with a version). */
    private static String uniqueValue(int execution, int job, int value) {
        String head = String.format("/var/lib/scan/e%03d/j%03d/v%06d/", execution, job, value);
        return head + "x".repeat(70 - head.length() - 8) + String.format("%08x", (execution * 31 + job) * 1_000_003 + value);
    }

    private static long countFindings(InputStream in) throws java.io.IOException {
        long n = 0;
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            if (line.startsWith("bench_finding{")) {
                n++;
            }
        }
        return n;
    }
}

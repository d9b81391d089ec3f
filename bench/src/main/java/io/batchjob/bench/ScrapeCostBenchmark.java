package io.batchjob.bench;

import io.batchjob.metrics.MetricsServer;
import io.batchjob.metrics.ResultMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scrape cost over HTTP at S series (5,000 nodes x 31 executions x k gauges, plus processing and
 * duration): time and bytes per scrape, bytes allocated per scrape, heap after GC. Baseline in the
 * same run: the same registry with the JVM metrics only.
 */
final class ScrapeCostBenchmark {

    private ScrapeCostBenchmark() {
    }

    static void run(Path out) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf("scrape cost, %d cores, max heap %d MiB%n", Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("%10s %10s %12s %12s %16s %14s%n", "series", "gauges", "scrape s", "MB", "alloc MB/scrape", "heap MiB");
        // nodes, executions, gauges: the baseline (JVM metrics only), 100,000 and 1,085,000 series
        int[][] cases = {{0, 0, 0}, {5_000, 1, 18}, {5_000, 31, 5}};
        for (int[] c : cases) {
            PrometheusRegistry registry = new PrometheusRegistry();
            if (c[0] == 0) {
                io.prometheus.metrics.instrumentation.jvm.JvmMetrics.builder().register(registry);
            } else {
                ResultMetrics metrics = new ResultMetrics(Measure.metricsConfig(c[2]), registry, "bench");
                Measure.fill(metrics, c[0], c[1], c[2]);
            }
            long series = (long) c[0] * c[1] * (c[2] + 2);
            long heap = Measure.heapAfterGc();
            try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
                HttpClient client = HttpClient.newHttpClient();
                double best = Double.MAX_VALUE;
                long bytes = 0;
                long alloc = 0;
                for (int i = 0; i < 3; i++) {
                    long a0 = Measure.allocated();
                    long t0 = System.nanoTime();
                    HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    try (InputStream in = r.body()) {
                        bytes = in.transferTo(java.io.OutputStream.nullOutputStream());
                    }
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                    alloc = Measure.allocated() - a0;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("series", series);
                row.put("baseline", c[0] == 0);
                row.put("nodes", c[0]);
                row.put("executions", c[1]);
                row.put("gauges", c[2]);
                row.put("bestScrapeSeconds", best);
                row.put("bytes", bytes);
                row.put("allocatedBytesPerScrape", alloc);
                row.put("heapAfterGcMiB", heap / 1048576.0);
                rows.add(row);
                System.out.printf("%10d %10d %12.2f %12.1f %16.1f %14.1f%n", series, c[2], best, bytes / 1e6, alloc / 1e6, heap / 1048576.0);
            }
        }
        Map<String, Object> doc = Measure.header("scrape-cost");
        doc.put("results", rows);
        Measure.write(out, doc);
    }
}

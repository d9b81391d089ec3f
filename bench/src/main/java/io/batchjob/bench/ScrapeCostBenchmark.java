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
 * duration): time and bytes per scrape, bytes allocated per scrape, heap after GC. Baselines in the
 * same run: the same registry with the JVM metrics only, and the largest case written from the
 * registry's snapshot of the same store instead of streamed (what a plain {@code registry.scrape()}
 * costs: every data point an object).
 */
final class ScrapeCostBenchmark {

    private ScrapeCostBenchmark() {
    }

    static void run(Path out) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf("scrape cost, %d cores, max heap %d MiB%n", Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("%10s %10s %12s %12s %16s %14s%n", "series", "gauges", "scrape s", "MB", "alloc MB/scrape", "heap MiB");
        // nodes, executions, gauges: the baseline (JVM metrics only), 100,000 and 1,085,000 series
        // nodes, executions, gauges, streamed (1) or through the registry's snapshot (0): the same-run comparison
        int[][] cases = {{0, 0, 0, 1}, {5_000, 1, 18, 1}, {5_000, 31, 5, 1}, {5_000, 31, 5, 0}};
        for (int[] c : cases) {
            PrometheusRegistry registry = new PrometheusRegistry();
            ResultMetrics metrics = null;
            if (c[0] == 0) {
                io.prometheus.metrics.instrumentation.jvm.JvmMetrics.builder().register(registry);
            } else {
                metrics = new ResultMetrics(Measure.metricsConfig(c[2]), registry, "bench");
                Measure.fill(metrics, c[0], c[1], c[2]);
            }
            long series = (long) c[0] * c[1] * (c[2] + 2);
            long heap = Measure.heapAfterGc();
            boolean streamed = c[3] == 1;
            try (MetricsServer server = MetricsServer.start(registry, streamed ? metrics : null, "127.0.0.1", 0)) {
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
                row.put("streamed", streamed);
                row.put("bestScrapeSeconds", best);
                row.put("bytes", bytes);
                row.put("allocatedBytesPerScrape", alloc);
                row.put("heapAfterGcMiB", heap / 1048576.0);
                rows.add(row);
                System.out.printf("%10d %10d %12.2f %12.1f %16.1f %14.1f %s%n", series, c[2], best, bytes / 1e6, alloc / 1e6, heap / 1048576.0,
                        c[0] == 0 ? "baseline: JVM metrics only" : streamed ? "streamed" : "registry snapshot (not streamed)");
            }
        }
        Map<String, Object> doc = Measure.header("scrape-cost");
        doc.put("results", rows);
        Measure.write(out, doc);
    }
}

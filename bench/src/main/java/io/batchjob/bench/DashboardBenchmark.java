package io.batchjob.bench;

import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.execution.FileExecutionRecords;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.http.UndertowServer;
import io.batchjob.http.report.ReportServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long the dashboard's pages take at scale: 5,000 nodes × 31 kept executions (the nodes page
 * reads every execution's plan and summary, then keeps finished ones). The report server is
 * warmed up first, as the controller does at start ({@code -Dbench.cold=true} skips it). The
 * first view of each page, then the median and slowest of 5 more, are printed.
 */
final class DashboardBenchmark {

    private DashboardBenchmark() {
    }

    static void run(Path out) throws Exception {
        int nodes = 5_000;
        int executions = 31;
        Path dir = Files.createTempDirectory("dashboard-bench");
        ReportStore store = new ReportStore(dir);
        FileExecutionRecords records = new FileExecutionRecords(store);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            names.add(String.format("worker-%05d", i));
        }
        JobOutcome[] outcomes = JobOutcome.values();
        Instant t0 = Instant.parse("2026-11-01T03:42:00Z");
        String last = null;
        for (int e = 0; e < executions; e++) {
            Instant start = t0.plusSeconds(86_400L * e);
            String id = String.format("202611%02d034200", e + 1);
            store.createExecution(id);
            records.writePlan(new ExecutionPlan(id, "schedule", start, names));
            List<JobSummary> jobs = new ArrayList<>(nodes);
            for (int i = 0; i < nodes; i++) {
                JobOutcome o = (i + e) % 50 == 0 ? outcomes[(i + e) % outcomes.length] : JobOutcome.SUCCEEDED;
                jobs.add(new JobSummary(names.get(i), o, start, start.plusSeconds(30 + i % 60), o == JobOutcome.SUCCEEDED ? "" : "exit code 1",
                        o == JobOutcome.SUCCEEDED));
            }
            records.writeSummary(new ExecutionSummary(id, "schedule", start, start.plusSeconds(900), false, jobs));
            last = id;
        }
        System.out.printf("dashboard pages, %d nodes x %d executions, %d cores, max heap %d MiB%n", nodes, executions,
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("%-16s %12s %12s %12s %12s%n", "page", "first ms", "median ms", "max ms", "KiB");
        List<Map<String, Object>> rows = new ArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        ReportServer reports = new ReportServer(store);
        boolean warm = !Boolean.getBoolean("bench.cold");
        if (warm) {
            long w = System.nanoTime();
            reports.warmUp(); // as the controller does at start, beside everything else
            System.out.printf("warm-up (the controller does it at start): %d ms%n", (System.nanoTime() - w) / 1_000_000);
        }
        try (UndertowServer server = UndertowServer.start("report", "127.0.0.1", 0, reports.handler(),
                UndertowServer.Limits.threads(4))) {
            for (String page : List.of(System.getProperty("bench.pages", "/nodes,/,/" + last + "/").split(","))) {
                URI uri = URI.create("http://127.0.0.1:" + server.port() + page);
                long cold = System.nanoTime();
                http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()); // the first view reads every summary
                long firstMillis = (System.nanoTime() - cold) / 1_000_000;
                List<Long> ms = new ArrayList<>();
                long bytes = 0;
                for (int i = 0; i < 5; i++) {
                    long start = System.nanoTime();
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
                    ms.add((System.nanoTime() - start) / 1_000_000);
                    bytes = r.body().length;
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException(page + " answered " + r.statusCode());
                    }
                }
                ms.sort(null);
                System.out.printf("%-16s %12d %12d %12d %12d%n", page.length() > 1 && page.endsWith("/") ? "/<id>/" : page, firstMillis, ms.get(2), ms.get(4),
                        bytes >> 10);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("page", page.length() > 1 && page.endsWith("/") ? "/<id>/" : page);
                row.put("firstMillis", firstMillis);
                row.put("medianMillis", ms.get(2));
                row.put("maxMillis", ms.get(4));
                row.put("bytes", bytes);
                rows.add(row);
            }
        }
        Files.createDirectories(out.getParent());
        Files.writeString(out, new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(Map.of("nodes", nodes, "executions", executions, "warmedUp", warm, "pages", rows)));
    }
}

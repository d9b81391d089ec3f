package io.batchjob.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the benchmarks named on the command line (default: all, then the summary table) and writes
 * JSON to bench/results/; {@code summary} prints one table over the result files there.
 */
public final class Benchmarks {

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        // fabric8's mock web server logs every request through java.util.logging at INFO; keep stderr for
        // warnings and errors, so a failing benchmark says why.
        java.util.logging.LogManager.getLogManager().reset();
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        java.util.logging.Logger.getLogger("").addHandler(new java.util.logging.ConsoleHandler());
        List<String> which = args.length == 0 ? List.of("dispatch", "e2e", "scrape", "series-memory", "memory", "floor", "callback", "dashboard", "summary") : Arrays.asList(args);
        Path results = Path.of("bench", "results");
        for (String b : which) {
            switch (b) {
                case "dispatch" -> EngineDispatchBenchmark.main(new String[]{"5", results.resolve("engine-dispatch.json").toString()});
                case "e2e" -> EndToEndDispatchBenchmark.run(results.resolve("end-to-end-dispatch.json"));
                case "scrape" -> ScrapeCostBenchmark.run(results.resolve("scrape-cost.json"));
                case "series-memory" -> SeriesMemoryBenchmark.run(results.resolve("series-memory-xmx"
                        + (Runtime.getRuntime().maxMemory() >> 20) + "m.json"));
                case "memory" -> ControllerMemoryBenchmark.run(results.resolve("memory-at-scale"
                        + (ControllerMemoryBenchmark.CONTROLLER_XMX == null ? "" : "-xmx" + ControllerMemoryBenchmark.CONTROLLER_XMX)
                        + (ControllerMemoryBenchmark.REPORTS_UNDER == null ? "" : "-tmpfs") + ".json"));
                case "callback" -> CallbackIngestionBenchmark.run(results.resolve(System.getProperty("bench.reports") == null
                        ? "callback-ingestion.json" : "callback-ingestion-tmpfs.json"));
                case "dashboard" -> DashboardBenchmark.run(results.resolve("dashboard-pages.json"));
                case "floor" -> Fabric8FloorBenchmark.run(results.resolve("fabric8-floor.json"));
                case "summary" -> Summary.print(results);
                default -> throw new IllegalArgumentException("unknown benchmark " + b + "; use dispatch, e2e, scrape, series-memory, memory, floor, callback, dashboard, summary");
            }
            System.out.println();
        }
    }
}

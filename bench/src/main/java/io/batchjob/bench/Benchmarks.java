package io.batchjob.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Runs the benchmarks named on the command line (default: all) and writes JSON to bench/results/. */
public final class Benchmarks {

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        List<String> which = args.length == 0 ? List.of("dispatch", "e2e", "scrape", "memory", "callback") : Arrays.asList(args);
        Path results = Path.of("bench", "results");
        for (String b : which) {
            switch (b) {
                case "dispatch" -> EngineDispatchBenchmark.main(new String[]{"5", results.resolve("engine-dispatch.json").toString()});
                case "e2e" -> EndToEndDispatchBenchmark.run(results.resolve("end-to-end-dispatch.json"));
                case "scrape" -> ScrapeCostBenchmark.run(results.resolve("scrape-cost.json"));
                case "memory" -> MemoryAtScaleBenchmark.run(results.resolve("memory-at-scale.json"));
                case "callback" -> CallbackIngestionBenchmark.run(results.resolve("callback-ingestion.json"));
                default -> throw new IllegalArgumentException("unknown benchmark " + b + "; use dispatch, e2e, scrape, memory, callback");
            }
            System.out.println();
        }
    }
}

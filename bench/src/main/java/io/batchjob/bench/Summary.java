package io.batchjob.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One table over every result file in {@code bench/results/}: each headline figure beside the
 * baseline it was measured against in the same run, and their ratio. Files that are missing (a
 * benchmark not run yet) are named, not guessed.
 */
final class Summary {

    private record Row(String benchmark, String scenario, String measured, String baseline, String ratio) {
    }

    private Summary() {
    }

    static void print(Path results) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Row> rows = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        JsonNode d = read(json, results.resolve("engine-dispatch.json"), missing);
        if (d != null) {
            for (JsonNode r : d.path("results")) {
                rows.add(new Row("engine dispatch", "N=%,d P=%,d d=%d ms".formatted(r.path("nodes").asInt(), r.path("pool").asInt(),
                        d.path("jobDurationMillis").asInt()), "makespan %.2f s".formatted(r.path("makespanSeconds").asDouble()),
                        "ideal %.2f s (Go model %.1f s)".formatted(r.path("idealSeconds").asDouble(), r.path("goModelSeconds").asDouble()),
                        "%.2f".formatted(r.path("ratio").asDouble())));
            }
        }
        JsonNode e = read(json, results.resolve("end-to-end-dispatch.json"), missing);
        if (e != null) {
            int realRuns = 0;
            for (JsonNode r : e.path("results")) {
                boolean real = r.path("apiServer").asText("mock").equals("real");
                realRuns += real ? 1 : 0;
                String inside = real ? "real API server" : "%.2f s in mock".formatted(r.path("secondsInsideApiServer").asDouble());
                rows.add(new Row("end-to-end dispatch", "%s API, N=%,d P=%d d=%.1f s".formatted(real ? "real" : "mock", r.path("nodes").asInt(),
                        r.path("pool").asInt(), r.path("jobSeconds").asDouble()),
                        "makespan %.2f s, %.1f pods/s, %.2f req/job".formatted(r.path("makespanSeconds").asDouble(),
                                r.path("podsPerSecond").asDouble(), r.path("controllerRequestsPerJob").asDouble()),
                        "ideal %.1f s (%s)".formatted(r.path("idealSeconds").asDouble(), inside), "%.2f".formatted(r.path("ratio").asDouble())));
                JsonNode deletes = r.path("requestsByKind").path("DELETECOLLECTION pods");
                if (real && realRuns > 1 && deletes.isNumber()) { // the first run had no earlier pods to delete
                    rows.add(new Row("end-to-end dispatch", "real API, deleting the previous execution's pods",
                            "%d deletecollection request(s)".formatted(deletes.asInt()), "%,d pods".formatted(r.path("nodes").asInt()), "-"));
                }
            }
        }
        for (String file : List.of("callback-ingestion.json", "callback-ingestion-tmpfs.json")) {
            JsonNode c = read(json, results.resolve(file), missing);
            if (c == null) {
                continue;
            }
            String medium = c.path("reportDirectory").asText("disk").startsWith("/dev/shm") ? ", tmpfs" : ", disk";
            JsonNode trivial = null;
            for (JsonNode r : c.path("results")) {
                String target = r.path("target").asText();
                if (target.equals("trivial")) {
                    trivial = r;
                } else if (target.endsWith("upload")) {
                    rows.add(new Row("callback ingestion", "%d clients, 1 MiB uploads%s".formatted(r.path("clients").asInt(), medium),
                            "%,.0f uploads/s, p99 %.1f ms".formatted(r.path("requestsPerSecond").asDouble(), r.path("p99Millis").asDouble()),
                            "-", "-"));
                } else if (trivial != null) {
                    rows.add(new Row("callback ingestion", "%d clients, %s%s".formatted(r.path("clients").asInt(),
                                    target.equals("ours-re-post") ? "re-posted results" : "first results", medium),
                            "%,.0f req/s, p50 %.1f / p99 %.1f ms".formatted(r.path("requestsPerSecond").asDouble(), r.path("p50Millis").asDouble(),
                                    r.path("p99Millis").asDouble()),
                            "trivial %,.0f req/s, p99 %.1f ms".formatted(trivial.path("requestsPerSecond").asDouble(),
                                    trivial.path("p99Millis").asDouble()),
                            "%.2f".formatted(r.path("requestsPerSecond").asDouble() / trivial.path("requestsPerSecond").asDouble())));
                }
            }
        }
        JsonNode s = read(json, results.resolve("scrape-cost.json"), missing);
        if (s != null) {
            JsonNode base = null;
            for (JsonNode r : s.path("results")) {
                if (r.path("baseline").asBoolean()) {
                    base = r;
                } else if (base != null) {
                    rows.add(new Row("scrape cost", "%,d series%s".formatted(r.path("series").asLong(),
                                    r.path("streamed").asBoolean(true) ? "" : ", registry snapshot (not streamed)"),
                            "%.2f s, %.1f MB, %,.0f MB alloc.".formatted(r.path("bestScrapeSeconds").asDouble(), r.path("bytes").asDouble() / 1e6,
                                    r.path("allocatedBytesPerScrape").asDouble() / 1e6),
                            "JVM metrics only %.2f s".formatted(base.path("bestScrapeSeconds").asDouble()),
                            "%.0f".formatted(r.path("bestScrapeSeconds").asDouble() / base.path("bestScrapeSeconds").asDouble())));
                }
            }
        }
        JsonNode dash = read(json, results.resolve("dashboard-pages.json"), missing);
        if (dash != null) {
            for (JsonNode r : dash.path("pages")) {
                rows.add(new Row("dashboard page " + r.path("page").asText(), "%,d nodes x %d executions".formatted(dash.path("nodes").asInt(),
                        dash.path("executions").asInt()), "first %d ms, then %d ms".formatted(r.path("firstMillis").asLong(),
                        r.path("medianMillis").asLong()), "-", "-"));
            }
        }
        List<Path> memory = new ArrayList<>();
        try (var files = Files.list(results)) {
            files.filter(f -> f.getFileName().toString().startsWith("memory-at-scale")).sorted().forEach(memory::add);
        }
        if (memory.isEmpty()) {
            missing.add("memory-at-scale*.json");
        }
        JsonNode floor = read(json, results.resolve("fabric8-floor.json"), missing);
        for (Path file : memory) {
            memoryRows(read(json, file, missing), floor, rows);
        }
        int[] w = {9, 8, 8, 8, 5};
        for (Row r : rows) {
            w[0] = Math.max(w[0], r.benchmark().length());
            w[1] = Math.max(w[1], r.scenario().length());
            w[2] = Math.max(w[2], r.measured().length());
            w[3] = Math.max(w[3], r.baseline().length());
            w[4] = Math.max(w[4], r.ratio().length());
        }
        String format = "%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %-" + w[3] + "s  %" + w[4] + "s%n";
        System.out.printf("summary of %s (%d cores)%n", results, Runtime.getRuntime().availableProcessors());
        System.out.printf(format, "benchmark", "scenario", "measured", "baseline", "ratio");
        rows.forEach(r -> System.out.printf(format, r.benchmark(), r.scenario(), r.measured(), r.baseline(), r.ratio()));
        if (!missing.isEmpty()) {
            System.out.println("not run yet: " + String.join(", ", missing));
        }
    }

    private static void memoryRows(JsonNode m, JsonNode floor, List<Row> rows) {
        if (m == null) {
            return;
        }
        JsonNode b = m.path("baseline");
        JsonNode l = m.path("loaded");
        java.util.regex.Matcher xmx = java.util.regex.Pattern.compile("-Xmx(\\S+)").matcher(m.path("controllerCommand").asText(""));
        String under = m.path("reportDirectoryUnder").asText("");
        String scenario = "controller, %,d nodes x %d executions%s%s".formatted(m.path("nodes").asInt(), m.path("executions").asInt(),
                xmx.find() ? ", -Xmx" + xmx.group(1) : "", under.startsWith("/dev/shm") ? ", reports on tmpfs" : "");
        rows.add(new Row("memory at scale", scenario, "heap after GC %.0f MiB".formatted(l.path("heapAfterGcMiB").asDouble()),
                "idle controller %.0f MiB".formatted(b.path("heapAfterGcMiB").asDouble()),
                "%.1f".formatted(l.path("heapAfterGcMiB").asDouble() / b.path("heapAfterGcMiB").asDouble())));
        rows.add(new Row("memory at scale", scenario, "RSS %.0f MiB".formatted(l.path("rssMiB").asDouble()),
                "idle controller %.0f MiB".formatted(b.path("rssMiB").asDouble()),
                "%.1f".formatted(l.path("rssMiB").asDouble() / b.path("rssMiB").asDouble())));
        int scrapes = l.path("scrapesInARow").asInt(1);
        rows.add(new Row("memory at scale", scenario, "RSS after %s %.0f MiB".formatted(scrapes == 1 ? "a scrape" : scrapes + " scrapes",
                l.path("rssAfterOneScrapeMiB").asDouble()), "idle controller %.0f MiB".formatted(b.path("rssAfterOneScrapeMiB").asDouble()),
                "%.1f".formatted(l.path("rssAfterOneScrapeMiB").asDouble() / b.path("rssAfterOneScrapeMiB").asDouble())));
        if (l.has("scrapeSeconds")) {
            double slowest = 0;
            for (JsonNode t : l.path("scrapeSeconds")) {
                slowest = Math.max(slowest, t.asDouble());
            }
            rows.add(new Row("memory at scale", scenario, "%d scrapes of %,d series, slowest %.2f s".formatted(scrapes,
                    l.path("seriesScraped").asLong(), slowest), "-", "-"));
        }
        rows.add(new Row("memory at scale", scenario, "controller CPU %.2f ms per job".formatted(
                l.path("controllerCpuSecondsPer1000JobsWhileFeeding").asDouble()), "-", "-"));
        if (l.has("controllerCpuMsPerJobAfterWarmUp")) {
            double ms = l.path("controllerCpuMsPerJobAfterWarmUp").asDouble();
            // Baseline: fabric8 doing only the jobs' API traffic (the floor benchmark), when it has run.
            double fabric8 = floor == null ? Double.NaN : floor.path("cpuMsPerJobAfterWarmUp").asDouble();
            rows.add(new Row("memory at scale", scenario, "controller CPU %.2f ms per job after %d executions".formatted(ms,
                    l.path("warmUpExecutions").asInt()), floor == null ? "-" : "fabric8 alone %.2f ms per job".formatted(fabric8),
                    floor == null ? "-" : "%.2f".formatted(ms / fabric8)));
        }
    }

    private static JsonNode read(ObjectMapper json, Path file, List<String> missing) throws IOException {
        if (!Files.isRegularFile(file)) {
            missing.add(file.getFileName().toString());
            return null;
        }
        return json.readTree(file.toFile());
    }
}

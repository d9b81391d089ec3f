package io.batchjob.bench;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.event.LoggingJobEventPublisher;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.execution.StaticNodeSource;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.http.UndertowServer;
import io.batchjob.http.callback.CallbackApi;
import io.batchjob.http.callback.CallbackSettings;
import io.batchjob.metrics.ControllerMetrics;
import io.batchjob.metrics.ResultMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.xnio.XnioWorker;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Result POSTs (10 metrics x 3 labels) per second and p50/p99 latency at 16 and 64 concurrent
 * clients over loopback, with persistence and metrics updates on; baseline in the same run: a
 * trivial Undertow handler answering 200 on the same worker. Also 1 MiB uploads per second.
 *
 * <p>Two shapes of load: <b>first results</b> — every request is the first result of another
 * node (a large cluster reporting: one result per node and execution, {@value #FIRST_NODES}
 * running jobs per case), the figure the README quotes; and <b>re-posts</b> — 64 nodes posting
 * again and again, each result replacing the node's earlier {@code <node>.json} (on this machine's
 * ext4 with {@code discard}, freeing the replaced file costs about 4 times its creation).
 */
final class CallbackIngestionBenchmark {

    private static final Duration RUN = Duration.ofSeconds(5);
    /** Running jobs per "first results" case: more than any case posts in {@link #RUN}. */
    static final int FIRST_NODES = 40_000;

    private CallbackIngestionBenchmark() {
    }

    static void run(Path out) throws Exception {
        ControllerConfig base = Measure.metricsConfig(10);
        // -Dbench.reports=/dev/shm: the report directory on tmpfs, to see the code's cost without this machine's disk.
        String under = System.getProperty("bench.reports");
        Path reports = under == null ? Files.createTempDirectory("bench-callback") : Files.createTempDirectory(Path.of(under), "bench-callback");
        String medium = under == null ? "temporary directory (disk)" : under;
        // 64 nodes that post again and again, then FIRST_NODES for each "first results" case.
        List<String> nodes = IntStream.range(0, 64 + 2 * FIRST_NODES).mapToObj(i -> "node-" + i).toList();
        ControllerConfig config = base.toBuilder().podPoolSize(nodes.size()).cronExpression("").reportDirectory(reports)
                .maxUploadSize(4L << 20).build();
        PrometheusRegistry registry = new PrometheusRegistry();
        ResultMetrics resultMetrics = new ResultMetrics(config, registry, "bench");
        HeldJobsBackend backend = new HeldJobsBackend(nodes.size());
        ReportStore store = new ReportStore(reports);
        XnioWorker worker = UndertowServer.newWorker(2, 24);
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ExecutionEngine engine = ExecutionEngine.builder().config(config).nodeSource(new StaticNodeSource(nodes)).backend(backend)
                .reportStore(store).listener(resultMetrics)
                .jobEnvironment(new JobEnvironment("bench", new CallbackEndpoint("127.0.0.1", 8090), CallbackAuth.TOKEN, List.of()))
                .build()) {
            ControllerMetrics controllerMetrics = new ControllerMetrics(registry, () -> 64);
            engine.activate();
            String id = ((TriggerOutcome.Started) engine.trigger("bench")).executionId();
            backend.awaitLaunched();
            String[] secrets = nodes.stream().map(n -> backend.request(n).callbackSecret()).toArray(String[]::new);
            CallbackApi api = new CallbackApi(engine, store, new LoggingJobEventPublisher(), CallbackSettings.of(config, false), controllerMetrics);
            try (UndertowServer ours = UndertowServer.start("callback", "127.0.0.1", 0, api.handler(), worker);
                 UndertowServer trivial = UndertowServer.start("trivial", "127.0.0.1", 0,
                         exchange -> exchange.getResponseSender().send("ok"), worker)) {
                StringBuilder body = new StringBuilder("{");
                for (int g = 0; g < 10; g++) {
                    body.append(g == 0 ? "" : ",").append("\"g").append(g)
                            .append("\":[{\"value\":").append(g).append(".5,\"labels\":{\"check\":\"c").append(g)
                            .append("\",\"severity\":\"high\",\"zone\":\"z1\"}}]");
                }
                byte[] result = body.append('}').toString().getBytes();
                System.out.printf("callback ingestion over loopback, %d cores, %d s per case, body %d bytes, reports in %s%n",
                        Runtime.getRuntime().availableProcessors(), RUN.toSeconds(), result.length, medium);
                System.out.printf("%8s %16s %10s %10s %10s %12s%n", "clients", "target", "req/s", "p50 ms", "p99 ms", "ours/trivial");
                int firstBase = 64;
                for (int clients : new int[]{16, 64}) {
                    Map<String, Object> trivialRow = load("trivial", clients, Integer.MAX_VALUE,
                            i -> "http://127.0.0.1:" + trivial.port() + "/x", i -> null, result);
                    int from = firstBase;
                    Map<String, Object> first = load("ours-first-result", clients, FIRST_NODES,
                            i -> "http://127.0.0.1:" + ours.port() + "/report/" + nodes.get(from + i) + "/" + id + "/result",
                            i -> "Bearer " + secrets[from + i], result);
                    firstBase += FIRST_NODES;
                    Map<String, Object> repost = load("ours-re-post", clients, Integer.MAX_VALUE,
                            i -> "http://127.0.0.1:" + ours.port() + "/report/" + nodes.get(i % 64) + "/" + id + "/result",
                            i -> "Bearer " + secrets[i % 64], result);
                    for (Map<String, Object> row : List.of(first, repost)) {
                        row.put("throughputRatioToTrivial", (double) row.get("requestsPerSecond") / (double) trivialRow.get("requestsPerSecond"));
                    }
                    for (Map<String, Object> row : List.of(trivialRow, first, repost)) {
                        System.out.printf("%8d %16s %10.0f %10.2f %10.2f %12s%n", clients, row.get("target"), row.get("requestsPerSecond"),
                                row.get("p50Millis"), row.get("p99Millis"),
                                row.containsKey("throughputRatioToTrivial") ? String.format("%.3f", row.get("throughputRatioToTrivial")) : "");
                        rows.add(row);
                    }
                }
                byte[] mib = new byte[1 << 20];
                Map<String, Object> uploads = load("ours-1MiB-upload", 8, Integer.MAX_VALUE,
                        i -> "http://127.0.0.1:" + ours.port() + "/report/" + nodes.get(i % 64) + "/" + id + "/file?name=upload-" + i + ".bin",
                        i -> "Bearer " + secrets[i % 64], mib);
                System.out.printf("1 MiB uploads, 8 clients: %.0f uploads/s (%.0f MiB/s), p50 %.1f ms, p99 %.1f ms%n",
                        uploads.get("requestsPerSecond"), uploads.get("requestsPerSecond"), uploads.get("p50Millis"), uploads.get("p99Millis"));
                rows.add(uploads);
            }
        } finally {
            worker.shutdown();
            Measure.deleteTree(reports);
        }
        Map<String, Object> doc = Measure.header("callback-ingestion");
        doc.put("secondsPerCase", RUN.toSeconds());
        doc.put("reportDirectory", medium);
        doc.put("results", rows);
        Measure.write(out, doc);
    }

    /**
     * @param limit the most requests (request {@code i} uses {@code url(i)} and {@code auth(i)}, {@code i} counting from 0)
     */
    private static Map<String, Object> load(String target, int clients, int limit, java.util.function.IntFunction<String> url,
                                            java.util.function.IntFunction<String> auth, byte[] body) throws Exception {
        AtomicInteger sequence = new AtomicInteger();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + RUN.toNanos();
        CountDownLatch done = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            int i = c;
            Thread t = new Thread(() -> {
                try {
                    int n;
                    while (System.nanoTime() < end && (n = sequence.getAndIncrement()) < limit) {
                        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.apply(n))).POST(HttpRequest.BodyPublishers.ofByteArray(body));
                        String a = auth.apply(n);
                        if (a != null) {
                            b.header("Authorization", a);
                        }
                        long t0 = System.nanoTime();
                        HttpResponse<Void> r = client.send(b.build(), HttpResponse.BodyHandlers.discarding());
                        latencies.add(System.nanoTime() - t0);
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                } finally {
                    done.countDown();
                }
            });
            t.start();
        }
        long start = end - RUN.toNanos();
        done.await();
        double seconds = Math.min(RUN.toNanos(), System.nanoTime() - start) / 1e9;
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("target", target);
        row.put("clients", clients);
        row.put("requests", sorted.length);
        row.put("errors", errors.get());
        row.put("seconds", seconds);
        row.put("requestsPerSecond", sorted.length / seconds);
        row.put("p50Millis", sorted.length == 0 ? 0.0 : sorted[sorted.length / 2] / 1e6);
        row.put("p99Millis", sorted.length == 0 ? 0.0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e6);
        return row;
    }

}

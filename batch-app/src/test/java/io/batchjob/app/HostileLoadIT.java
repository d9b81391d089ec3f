package io.batchjob.app;

import io.batchjob.testkit.TcpProxy;
import io.batchjob.testkit.k8s.MockApiServer;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hostile-load suite: the packaged controller as its own process ({@code -Xmx512m
 * -XX:+ExitOnOutOfMemoryError}, open-file limit 4,096) against the mock API server, with two running jobs — {@code node-b}
 * the legitimate one, {@code node} the attacker (holding a valid token of its own) — and
 * anonymous clients. Each attack runs for a bounded time on loopback while a probe keeps calling
 * the legitimate job's callback and {@code /healthz}: both must answer within 2 s throughout, and
 * the controller must be alive afterwards. The latencies seen during each attack are printed and
 * written to {@code target/hostile-load-report.txt}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileLoadIT {

    private static final Duration LIMIT = Duration.ofSeconds(2);
    private static final int OPEN_FILES = 4_096;
    private static final String NS = "jobs";

    private final MockApiServer api = new MockApiServer().start();
    private final KubernetesClient client = api.client();
    private final TcpProxy proxy = new TcpProxy(api.server().getPort());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService attackers = Executors.newCachedThreadPool();
    /** Runs the probe's samples, one at a time. */
    private final java.util.concurrent.ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    /** Samples the running probe has taken. */
    private final AtomicInteger probeSamples = new AtomicInteger();
    private final Map<String, String> report = Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    private Path dir;
    private Process controller;
    private SimulatedKubelet kubelet;
    private int callbackPort;
    private int reportPort;
    private int healthPort;
    private int metricsPort;
    private String executionId;
    /** Per node: the callback URLs injected into its pod (they carry the job's secret). */
    private final Map<String, Map<String, String>> urls = new ConcurrentHashMap<>();

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("hostile-load");
        callbackPort = freePort();
        reportPort = freePort();
        healthPort = freePort();
        metricsPort = freePort();
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("hostile").endMetadata()
                .withData(Map.of("config.yaml", """
                        name: hostile
                        cronExpression: ""
                        runOnStartup: true
                        startupDelay: 0s
                        podPoolSize: 10
                        callbackServicePort: %d
                        reportServerPort: %d
                        healthProbePort: %d
                        maxResultSize: 4Mi
                        maxUploadSize: 32Mi
                        maxSeriesPerResult: 30000
                        maxFilesPerJob: 2000
                        maxSeriesInMemory: 38000
                        callbackRelayWait: 1s
                        metrics:
                          port: %d
                          prefix: hostile
                          gauges:
                            load:
                              labels: [i]
                        """.formatted(callbackPort, reportPort, healthPort, metricsPort),
                        "pod-template.yaml", "kind: Pod\nspec: {containers: [{name: job, image: busybox}]}")).build()).create();
        for (String node : List.of("node", "node-b")) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().withNewStatus()
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        }
        kubelet = new SimulatedKubelet(client, NS, p -> SimulatedKubelet.Behaviour.HOLD_RUNNING).start();
        controller = launch("controller-1.log");
        awaitJobsRunning();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (controller != null) {
                controller.destroy();
                controller.waitFor(20, TimeUnit.SECONDS);
                controller.destroyForcibly();
            }
            StringBuilder sb = new StringBuilder("hostile-load suite: latency of the legitimate job's callback and of /healthz during each attack\n");
            report.forEach((attack, line) -> sb.append(String.format("%-40s %s%n", attack, line)));
            System.out.print(sb);
            Files.writeString(Path.of("target", "hostile-load-report.txt"), sb.toString());
        } finally {
            attackers.shutdownNow();
            pacer.shutdownNow();
            if (kubelet != null) {
                kubelet.close();
            }
            proxy.close();
            api.close();
        }
    }

    // ------------------------------------------------------------------ the attacks

    @Test
    @Order(1)
    void halfSentRequestsWithoutCredentialsAreAnsweredAtOnceAndAJobHoldsAtMostTwoSlots() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        AtomicInteger unauthorized = new AtomicInteger();
        AtomicInteger tooMany = new AtomicInteger();
        try {
            probe("1 half-sent bodies (64 anonymous, 16 with a token)", Set.of(200), () -> {
                for (int i = 0; i < 64; i++) {
                    Socket s = halfSent(callbackPort, "/report/node-b/" + executionId + "/result");
                    sockets.add(s);
                    attackers.submit(() -> {
                        if (statusLine(s).startsWith("HTTP/1.1 401")) {
                            unauthorized.incrementAndGet();
                        }
                        return null;
                    });
                }
                for (int i = 0; i < 16; i++) {
                    Socket s = halfSent(callbackPort, URI.create(urls.get("node").get("RESULT")).getPath());
                    sockets.add(s);
                    attackers.submit(() -> {
                        if (statusLine(s).startsWith("HTTP/1.1 429")) {
                            tooMany.incrementAndGet();
                        }
                        return null;
                    });
                }
                duringProbeSamples(25); // the attack's length, about 5 s: the probe measures during it
            });
            assertThat(unauthorized).as("anonymous half-sent requests answered 401 at once").hasValue(64);
            assertThat(tooMany).as("one job's requests beyond its 2 slots").hasValue(14);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertAlive();
    }

    @Test
    @Order(2)
    void parallelRepostsOfLargeResultsFromOneJobNeitherExhaustMemoryNorPileUpSeries() throws Exception {
        byte[] big = largeResult(25_000);
        assertThat(big.length).isGreaterThan(1 << 20);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        probe("2 4 clients re-posting 1 MiB results", Set.of(200), () -> {
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            List<Future<?>> posting = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                posting.add(attackers.submit(() -> {
                    while (System.nanoTime() < end) {
                        int status = post(urls.get("node").get("RESULT"), "application/json", big);
                        statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : posting) {
                f.get(60, TimeUnit.SECONDS);
            }
        });
        // 429 beyond the job's 2 slots, answered without reading the body: the client may see the reset (-1) instead.
        assertThat(statuses.keySet()).as("answers to the re-posts").isSubsetOf(200, 429, 503, -1);
        assertThat(statuses.get(200)).as("some re-posts were stored").isNotNull();
        assertAlive();
        // The attacker's series: one result's worth, not one per post. The last accepted result reaches the
        // metrics on the engine's events thread after its 200: wait for it rather than scrape mid-update.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get(metricsPort, "/metrics").lines()
                .filter(l -> l.startsWith("hostile_load{") && l.contains("node=\"node\"")).count()).isEqualTo(25_000));
        String heap = get(metricsPort, "/metrics").lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\"}"))
                .findFirst().orElse("heap ?");
        report.merge("2 4 clients re-posting 1 MiB results", "; statuses " + statuses + "; after it " + heap, String::concat);
    }

    @Test
    @Order(3)
    void slowDownloadsHoldNoThreads() throws Exception {
        byte[] file = new byte[16 << 20];
        new java.util.Random(1).nextBytes(file);
        assertThat(post(urls.get("node").get("FILE") + "?name=big.bin", "application/octet-stream", file)).isEqualTo(200);
        List<Socket> sockets = new ArrayList<>();
        try {
            probe("4 30 stalled downloads of 16 MiB", Set.of(200), () -> {
                for (int i = 0; i < 30; i++) {
                    Socket s = new Socket();
                    s.setReceiveBufferSize(4096);
                    s.connect(new InetSocketAddress("127.0.0.1", reportPort));
                    s.getOutputStream().write(("GET /" + executionId + "/node-big.bin HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    sockets.add(s);
                }
                for (int i = 0; i < 10; i++) {
                    long start = System.nanoTime();
                    assertThat(get(reportPort, "/" + executionId + "/")).contains("node-big.bin");
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a listing during the downloads").isLessThan(LIMIT);
                    nextProbeSample();
                }
            });
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertAlive();
    }

    @Test
    @Order(4)
    void slowlorisConnectionsDoNotBlockScrapes() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        List<Long> scrapes = new CopyOnWriteArrayList<>();
        try {
            probe("4 20 slowloris connections on /metrics", Set.of(200), () -> {
                for (int i = 0; i < 20; i++) {
                    Socket s = new Socket("127.0.0.1", metricsPort);
                    s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                    sockets.add(s);
                }
                for (int i = 0; i < 5; i++) {
                    for (Socket s : sockets) {
                        s.getOutputStream().write('a');
                    }
                    long start = System.nanoTime();
                    assertThat(get(metricsPort, "/metrics")).contains("hostile_pods");
                    scrapes.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
                    nextProbeSample();
                    nextProbeSample();
                }
            });
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertThat(scrapes).allSatisfy(ms -> assertThat(ms).isLessThan(LIMIT.toMillis()));
        report.merge("4 20 slowloris connections on /metrics", "; scrapes ms " + scrapes, String::concat);
        assertAlive();
    }

    @Test
    @Order(5)
    void anEventFloodFromOneJobIsRateLimited() throws Exception {
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        int before = floodEvents();
        byte[] event = "{\"reason\":\"Flood\",\"message\":\"flood %s\",\"args\":[\"x\"]}".getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        probe("6 event flood (4 clients, 5 s)", Set.of(200), () -> {
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            List<Future<?>> flood = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                flood.add(attackers.submit(() -> {
                    while (System.nanoTime() < end) {
                        statuses.computeIfAbsent(post(urls.get("node").get("EVENT"), "application/json", event), k -> new AtomicInteger())
                                .incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : flood) {
                f.get(60, TimeUnit.SECONDS);
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        // 429 is answered without reading the body and the connection closed: the client may see the reset (-1) instead.
        assertThat(statuses.keySet()).isSubsetOf(200, 429, -1);
        int created = floodEvents() - before;
        assertThat(created).as("events created for the flooding job").isLessThanOrEqualTo((int) (20 + 2 * seconds) + 2)
                .isEqualTo(statuses.get(200).get());
        report.merge("6 event flood (4 clients, 5 s)", "; statuses " + statuses + ", events created " + created, String::concat);
        assertAlive();
    }

    @Test
    @Order(6)
    void malformedAndCrossNodeRequestsAreRefusedCleanly() throws Exception {
        probe("8 malformed requests", Set.of(200), () -> {
            // Chunked upload of 5 MiB (under maxUploadSize): stored.
            byte[] five = new byte[5 << 20];
            HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(urls.get("node").get("FILE") + "?name=chunked.bin"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(five))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(200);
            // Expect: 100-continue is answered at once: curl uploads 2 MiB without its 1 s wait.
            Path two = dir.resolve("two.bin");
            Files.write(two, new byte[2 << 20]);
            long start = System.nanoTime();
            Process curl = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/octet-stream",
                    "--data-binary", "@" + two, urls.get("node").get("FILE") + "?name=two.bin").redirectErrorStream(true).start();
            String code = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(curl.waitFor()).isZero();
            assertThat(code).isEqualTo("200");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("curl with Expect: 100-continue").isLessThan(Duration.ofMillis(900));
            // More than 100 multipart parts: 400.
            StringBuilder multipart = new StringBuilder();
            for (int i = 0; i < 101; i++) {
                multipart.append("--b\r\nContent-Disposition: form-data; name=\"f").append(i).append("\"; filename=\"p").append(i)
                        .append(".txt\"\r\n\r\nx\r\n");
            }
            multipart.append("--b--\r\n");
            assertThat(post(urls.get("node").get("FILE"), "multipart/form-data; boundary=b", multipart.toString().getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo(400);
            // Node "node" uploading "b.json" would write node-b.json, the legitimate job's result: 400.
            assertThat(post(urls.get("node").get("FILE") + "?name=b.json", "application/json", "{}".getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo(400);
            // An invisible character in a file name: 400.
            assertThat(post(urls.get("node").get("FILE") + "?name=a%F3%A0%81%81.txt", "text/plain", "x".getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo(400);
            // Without credentials: 401 naming no execution or node.
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + callbackPort + "/report/node-b/"
                    + executionId + "/result")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.body()).doesNotContain(executionId).doesNotContain("node-b");
        });
        assertThat(Files.readString(dir.resolve("reports").resolve(executionId).resolve("node-b.json"))).startsWith("{\"load\"");
        assertAlive();
    }

    @Test
    @Order(7)
    void afterAnApiStallTheControllerLeadsAgainAndTheJobsGoOn() throws Exception {
        // While the API hangs the Lease runs out: past the renew deadline the controller is fenced; a callback waits for a leader
        // to relay to (callbackRelayWait, 1 s here), then gets 503 with Retry-After; nothing is stored; /healthz stays 200.
        probe("3 API stall until the Lease ran out", Set.of(200, 503), () -> {
            proxy.stall();
            try {
                // The stall lasts until the Lease has run out (as the API server sees it): past the renew deadline.
                await().atMost(Duration.ofSeconds(60)).until(this::leaseRanOut);
            } finally {
                proxy.flow();
            }
        });
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(post(urls.get("node-b").get("RESULT"), "application/json", smallResult())).isEqualTo(200));
        Lease lease = client.leases().inNamespace(NS).withName("hostile-leader-election").get();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("hostile-controller");
        assertAlive();
    }

    @Test
    @Order(8)
    void oneJobsSmallUploadsStopAtItsFileBudgetAndEightReadersOfA100000FileExecutionCannotStopTheController() throws Exception {
        // Many small, individually valid uploads (100 one-byte parts a request) from one job: 2,000 files, then 413.
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        String refusal = null;
        for (int request = 0; request < 25 && refusal == null; request++) {
            StringBuilder multipart = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                multipart.append("--b\r\nContent-Disposition: form-data; name=\"f").append(i).append("\"; filename=\"small-")
                        .append(request).append("-").append(i).append(".txt\"\r\n\r\nx\r\n");
            }
            multipart.append("--b--\r\n");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(urls.get("node").get("FILE")))
                    .header("Content-Type", "multipart/form-data; boundary=b")
                    .POST(HttpRequest.BodyPublishers.ofString(multipart.toString())).build(), HttpResponse.BodyHandlers.ofString());
            statuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
            if (r.statusCode() == 413) {
                refusal = r.body();
            }
        }
        Path execution = dir.resolve("reports").resolve(executionId);
        long small;
        long uploads;
        try (var files = Files.list(execution)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            small = names.stream().filter(n -> n.startsWith("node-small-")).count();
            uploads = names.stream().filter(n -> n.startsWith("node-") && !n.startsWith("node-b")).count();
        }
        assertThat(refusal).contains("more than maxFilesPerJob (2000)").contains("nothing was stored");
        assertThat(uploads).as("all the job's uploads, the earlier attacks' included: within its budget").isLessThanOrEqualTo(2000);
        assertThat(small).as("whole requests of 100: none of the refused one").isGreaterThanOrEqualTo(1800).matches(n -> n % 100 == 0);
        assertThat(get(metricsPort, "/metrics")).contains("batch_job_controller_budget_refusals_total{budget=\"maxFilesPerJob\"} 1.0");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.resources(Event.class).inNamespace(NS).list().getItems().stream()
                .anyMatch(e -> "BudgetExceeded".equals(e.getReason())));

        // 100,000 files in the execution (written beside the controller: the attack is the readers), then 8 readers at once.
        for (int i = 0; i < 100_000; i++) {
            Files.write(execution.resolve(String.format("zz-%06d.txt", i)), new byte[]{'x'});
        }
        List<Long> pages = new CopyOnWriteArrayList<>();
        AtomicInteger bad = new AtomicInteger();
        probe("9 8 readers of a 100,000-file execution", Set.of(200), () -> {
            long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int reader = t;
                readers.add(attackers.submit(() -> {
                    while (System.nanoTime() < end) {
                        String path = switch (reader % 3) {
                            case 0 -> "/" + executionId + "/";
                            case 1 -> "/" + executionId + "/?format=json&limit=5000&after=zz-050000.txt";
                            default -> "/api/executions/" + executionId;
                        };
                        long start = System.nanoTime();
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + reportPort + path))
                                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                        pages.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
                        if (r.statusCode() != 200 || r.body().length() > 2_000_000) {
                            bad.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : readers) {
                f.get(120, TimeUnit.SECONDS);
            }
        });
        assertThat(bad).as("pages that failed or were larger than 2 MB").hasValue(0);
        report.merge("9 8 readers of a 100,000-file execution", "; " + pages.size() + " pages, " + stats(pages)
                + "; the job's small uploads " + statuses + ", stored " + small, String::concat);
        assertAlive();
    }

    @Test
    @Order(9)
    void fourThousandIdleConnectionsToTheCallbackPortCloseNoOtherPortAndLockOutNoJob() throws Exception {
        List<Socket> idle = new ArrayList<>();
        List<Long> scrapes = new CopyOnWriteArrayList<>();
        long[] openFiles = new long[1];
        try {
            probe("10 4,000 idle connections to the callback port", Set.of(200), () -> {
                for (int i = 0; i < 4_000; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", callbackPort), 5_000);
                    idle.add(s);
                }
                for (int i = 0; i < 5; i++) {
                    long start = System.nanoTime();
                    assertThat(get(metricsPort, "/metrics")).contains("hostile_pods");
                    scrapes.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
                    openFiles[0] = Math.max(openFiles[0], openFiles());
                    nextProbeSample(); // paced by the probe, which measures during the attack
                    nextProbeSample();
                }
            });
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
        assertThat(scrapes).allSatisfy(ms -> assertThat(ms).isLessThan(LIMIT.toMillis()));
        assertThat(openFiles[0]).as("the controller's open files, limit " + OPEN_FILES).isLessThan(2_000);
        report.merge("10 4,000 idle connections to the callback port", "; scrapes ms " + scrapes + "; controller's open files at most "
                + openFiles[0] + " of " + OPEN_FILES, String::concat);
        assertAlive();
    }

    @Test
    @Order(10)
    void aResultBeyondTheSeriesInMemoryIsRefusedBeforeItIsStoredAndTheOthersGoOn() throws Exception {
        // The attacker holds 25,000 series (attack 2); the legitimate job posts 10,000: 35,000 of 38,000 held.
        double refusedBefore = refusals("maxSeriesInMemory");
        assertThat(post(urls.get("node-b").get("RESULT"), "application/json", uniqueResult(10_000, "legit"))).isEqualTo(200);
        byte[] before = Files.readAllBytes(dir.resolve("reports").resolve(executionId).resolve("node.json"));
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(urls.get("node").get("RESULT")))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(uniqueResult(30_000, "attack")))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(507);
        assertThat(refused.body()).contains("more than maxSeriesInMemory (38000)");
        assertThat(Files.readAllBytes(dir.resolve("reports").resolve(executionId).resolve("node.json"))).as("nothing stored").isEqualTo(before);
        // Without the probe running alongside: its small results would shrink the legitimate job's share, and with it the refusal.
        List<Long> refusals = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long start = System.nanoTime();
            assertThat(post(urls.get("node").get("RESULT"), "application/json", uniqueResult(30_000, "attack-" + i))).isEqualTo(507);
            refusals.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
        }
        probe("11 results beyond maxSeriesInMemory (then)", Set.of(200), () -> duringProbeSamples(10));
        report.merge("11 results beyond maxSeriesInMemory (then)", "; 11 refusals (507) of 3 MB results, ms " + refusals, String::concat);
        assertThat(refusals("maxSeriesInMemory") - refusedBefore).isEqualTo(11);
        assertAlive();
    }

    @Test
    @Order(20)
    void afterARestartTheResultMetricsAreRebuiltFromTheReportDirectory() throws Exception {
        String before = get(metricsPort, "/metrics");
        String legit = before.lines().filter(l -> l.startsWith("hostile_load{") && l.contains("node=\"node-b\"")).findFirst().orElseThrow();
        controller.destroy();
        assertThat(controller.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(controller.exitValue()).isZero();
        long restart = System.nanoTime();
        controller = launch("controller-2.log");
        // /healthz answers from the start, while the kept executions are replayed: a liveness probe never kills the start.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> status(healthPort, "/healthz") == 200);
        long healthUp = System.nanoTime();
        List<Long> healthMs = new CopyOnWriteArrayList<>();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            long start = System.nanoTime();
            assertThat(status(healthPort, "/healthz")).isEqualTo(200);
            healthMs.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
            String after = get(metricsPort, "/metrics");
            assertThat(after).contains(legit);
            assertThat(after.lines().filter(l -> l.startsWith("hostile_load{") && l.contains("node=\"node\"")).count()).isEqualTo(25_000);
        });
        assertThat(healthMs).as("/healthz during the start").allSatisfy(ms -> assertThat(ms).isLessThan(LIMIT.toMillis()));
        report.put("7 restart /healthz", "up " + Duration.ofNanos(healthUp - restart).toMillis() + " ms after the new process started; "
                + stats(healthMs) + " while the series came back");
        report.put("7 restart", "the kept executions' series back " + Duration.ofNanos(System.nanoTime() - restart).toMillis()
                + " ms after the new process started");
        // The execution was resumed: the legitimate job's callbacks work again.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                assertThat(post(urls.get("node-b").get("RESULT"), "application/json", smallResult())).isEqualTo(200));
        assertAlive();
    }

    // ------------------------------------------------------------------ the probe

    private interface Attack {
        void run() throws Exception;
    }

    /**
     * Runs the attack while a probe posts the legitimate job's result and GETs /healthz every
     * 200 ms (paced by a scheduler, counted in {@link #probeSamples}); asserts both always answered
     * within 2 s (the callback with one of {@code callbackStatuses}).
     */
    private void probe(String name, Set<Integer> callbackStatuses, Attack attack) throws Exception {
        List<Long> callbackMs = new CopyOnWriteArrayList<>();
        List<Long> healthMs = new CopyOnWriteArrayList<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        probeSamples.set(0);
        java.util.concurrent.ScheduledFuture<?> prober = pacer.scheduleWithFixedDelay(() -> {
            try {
                long start = System.nanoTime();
                int status = post(urls.get("node-b").get("RESULT"), "application/json", smallResult());
                callbackMs.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
                if (!callbackStatuses.contains(status)) {
                    problems.add("callback answered " + status);
                }
                start = System.nanoTime();
                int health = status(healthPort, "/healthz");
                healthMs.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
                if (health != 200) {
                    problems.add("/healthz answered " + health);
                }
            } catch (Exception e) {
                problems.add("probe failed: " + e);
            }
            probeSamples.incrementAndGet();
        }, 0, 200, TimeUnit.MILLISECONDS);
        try {
            attack.run();
        } finally {
            prober.cancel(false);
            pacer.submit(() -> { }).get(30, TimeUnit.SECONDS); // a sample still running has ended
        }
        report.put(name, "callback " + stats(callbackMs) + "; /healthz " + stats(healthMs));
        assertThat(problems).as(name).isEmpty();
        assertThat(callbackMs).as(name + ": callback latencies (ms)").isNotEmpty().allSatisfy(ms -> assertThat(ms).isLessThan(LIMIT.toMillis()));
        assertThat(healthMs).as(name + ": /healthz latencies (ms)").allSatisfy(ms -> assertThat(ms).isLessThan(LIMIT.toMillis()));
    }

    /** Lets an attack last until the running probe has taken {@code samples} samples (200 ms apart). */
    private void duringProbeSamples(int samples) {
        await().atMost(Duration.ofSeconds(120)).until(() -> probeSamples.get() >= samples);
    }

    /** Waits for the probe's next sample: paces an attack's own requests to the probe's. */
    private void nextProbeSample() {
        int seen = probeSamples.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> probeSamples.get() > seen);
    }

    private static String stats(List<Long> ms) {
        List<Long> sorted = ms.stream().sorted().toList();
        if (sorted.isEmpty()) {
            return "no samples";
        }
        return String.format("n=%d median=%d ms p95=%d ms max=%d ms", sorted.size(), sorted.get(sorted.size() / 2),
                sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.95) - 1)), sorted.get(sorted.size() - 1));
    }

    // ------------------------------------------------------------------ helpers

    private Process launch(String logName) throws IOException {
        Path jar = Path.of("target", "batch-job-controller.jar");
        assertThat(jar).as("run after package").exists();
        // The open-file limit of many container runtimes, and less heap than the chart gives (768 MiB).
        ProcessBuilder pb = new ProcessBuilder(List.of("prlimit", "--nofile=" + OPEN_FILES + ":" + OPEN_FILES,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve(logName).toFile());
        Map<String, String> env = pb.environment();
        env.put("NAMESPACE", NS);
        env.put("CONFIG_MAP_NAME", "hostile");
        env.put("POD_IP", "127.0.0.1");
        env.put("HOSTNAME", "hostile-controller");
        env.put("REPORT_DIRECTORY", dir.resolve("reports").toString());
        // Through the proxy, so that a test can stall the API for the controller alone.
        env.put("KUBERNETES_MASTER", client.getConfiguration().getMasterUrl().replace(":" + api.server().getPort(), ":" + proxy.port()));
        env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.put("KUBECONFIG", new File(dir.toFile(), "none").toString());
        return pb.start();
    }

    private void awaitJobsRunning() {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            List<Pod> pods = client.pods().inNamespace(NS).list().getItems();
            return pods.size() == 2 && pods.stream().allMatch(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()));
        });
        for (Pod pod : client.pods().inNamespace(NS).list().getItems()) {
            Map<String, String> env = pod.getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
            executionId = env.get("EXECUTION_ID");
            urls.put(pod.getSpec().getNodeName(), Map.of("RESULT", env.get("CALLBACK_SERVICE_RESULT_URL"),
                    "FILE", env.get("CALLBACK_SERVICE_FILE_URL"), "EVENT", env.get("CALLBACK_SERVICE_EVENT_URL")));
        }
        assertThat(urls).containsOnlyKeys("node", "node-b");
        // Both jobs accept callbacks once the engine has seen them start.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(post(urls.get("node-b").get("RESULT"), "application/json", smallResult())).isEqualTo(200));
    }

    private void assertAlive() throws Exception {
        assertThat(controller.isAlive()).as("the controller process is alive; its log: " + dir).isTrue();
        assertThat(status(healthPort, "/healthz")).isEqualTo(200);
        assertThat(post(urls.get("node-b").get("RESULT"), "application/json", smallResult())).isEqualTo(200);
    }

    private static byte[] smallResult() {
        return "{\"load\":[{\"value\":1,\"labels\":{\"i\":\"legit\"}}]}".getBytes(StandardCharsets.UTF_8);
    }

    /** Whether the Lease's last renewal is older than its duration, read directly from the API server. */
    private boolean leaseRanOut() {
        Lease lease = client.leases().inNamespace(NS).withName("hostile-leader-election").get();
        return lease != null && lease.getSpec().getRenewTime() != null && lease.getSpec().getRenewTime().toInstant()
                .plusSeconds(lease.getSpec().getLeaseDurationSeconds()).isBefore(java.time.Instant.now());
    }

    /** The controller's count of refusals over a budget. */
    private double refusals(String budget) throws Exception {
        String prefix = "batch_job_controller_budget_refusals_total{budget=\"" + budget + "\"} ";
        return get(metricsPort, "/metrics").lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElse(0);
    }

    /** Every value with a 70-character label value of its own. */
    private static byte[] uniqueResult(int values, String tag) {
        StringBuilder sb = new StringBuilder("{\"load\":[");
        for (int i = 0; i < values; i++) {
            String label = String.format("/var/lib/%s/%08d/", tag, i);
            sb.append(i == 0 ? "" : ",").append("{\"value\":").append(i).append(",\"labels\":{\"i\":\"").append(label)
                    .append("x".repeat(Math.max(0, 70 - label.length()))).append("\"}}");
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The controller process's open file descriptors (Linux). */
    private long openFiles() throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(controller.toHandle().descendants().findFirst()
                .orElse(controller.toHandle()).pid()), "fd"))) {
            return fds.count();
        }
    }

    private static byte[] largeResult(int values) {
        StringBuilder sb = new StringBuilder("{\"load\":[");
        for (int i = 0; i < values; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"value\":").append(i).append(",\"labels\":{\"i\":\"label-value-").append(i).append("\"}}");
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Headers and 3 bytes of a 1 MB body, then nothing. */
    private static Socket halfSent(int port, String path) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(30_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\nabc")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    private static String statusLine(Socket s) {
        try {
            StringBuilder line = new StringBuilder();
            for (int c; (c = s.getInputStream().read()) >= 0 && c != '\r'; ) {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            return "";
        }
    }

    private int post(String url, String contentType, byte[] body) throws Exception {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).header("Content-Type", contentType)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private String get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private int status(int port, String path) throws Exception {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Events the attacker created (only it sends reason Flood). */
    private int floodEvents() {
        return (int) client.resources(Event.class).inNamespace(NS).list().getItems().stream()
                .filter(e -> "Flood".equals(e.getReason())).count();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

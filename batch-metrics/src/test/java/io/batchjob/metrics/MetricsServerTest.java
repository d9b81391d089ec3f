package io.batchjob.metrics;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** One server for the whole class: its graceful stop waits a second. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsServerTest {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final HttpClient client = HttpClient.newHttpClient();
    private MetricsServer server;

    @BeforeAll
    void start() throws Exception {
        Gauge.builder().name("x_pods").help("pods").register(registry).set(3);
        Gauge.builder().name("x_other").help("other").register(registry).set(1);
        server = MetricsServer.start(registry, "127.0.0.1", 0);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, method.equals("GET") || method.equals("HEAD") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void getAndHeadOfMetricsWork() throws Exception {
        assertThat(send("GET", "/metrics").body()).contains("x_pods 3.0");
        HttpResponse<String> head = send("HEAD", "/metrics");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void filtersByNameWithTheLibrarysNameParameter() throws Exception {
        String body = send("GET", "/metrics?name[]=x_pods").body();
        assertThat(body).contains("x_pods 3.0").doesNotContain("x_other");
    }

    @ParameterizedTest
    @CsvSource({"POST, /metrics", "PUT, /metrics", "DELETE, /metrics", "PATCH, /metrics", "OPTIONS, /metrics"})
    void otherMethodsAreRefused(String method, String path) throws Exception {
        HttpResponse<String> r = send(method, path);
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).contains("GET, HEAD");
        assertThat(r.body()).isEqualTo("method " + method + " is not allowed: use GET or HEAD\n");
    }

    @ParameterizedTest
    @CsvSource({"/", "/nope", "/metrics/", "/metrics/x", "/-/healthy", "/metricsX", "/%6detrics", "/metrics/%2e%2e/etc"})
    void everyOtherPathIsNotFound(String path) throws Exception {
        HttpResponse<String> r = send("GET", path);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("not found: metrics are served at /metrics\n");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    }

    @Test
    void aMalformedRequestLineDoesNotBreakTheServer() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            in.readAllBytes();
        }
        assertThat(send("GET", "/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void manyConcurrentScrapesAreServedOrRefusedButNeverHang() throws Exception {
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode).exceptionally(e -> -1));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, java.util.concurrent.TimeUnit.SECONDS);
        // Served, or refused at once with 503 beyond the queue: never a hang, never a reset.
        assertThat(futures).allSatisfy(f -> assertThat(f.get()).isIn(200, 503));
        assertThat(futures.stream().filter(f -> f.join() == 200).count()).isGreaterThan(0);
        assertThat(send("GET", "/metrics").statusCode()).isEqualTo(200);
    }

    /**
     * Slowloris connections (headers trickling in, never finished) and clients that ask for a large
     * exposition and never read it hold no thread: a scrape still answers at once.
     */
    @Test
    void slowClientsDoNotBlockScrapes() throws Exception {
        PrometheusRegistry big = new PrometheusRegistry();
        Gauge wide = Gauge.builder().name("wide").help("many series").labelNames("i").register(big);
        for (int i = 0; i < 20_000; i++) {
            wide.labelValues("series-with-a-long-label-value-" + i).set(i);
        }
        List<Socket> attackers = new ArrayList<>();
        try (MetricsServer bigServer = MetricsServer.start(big, "127.0.0.1", 0)) {
            for (int i = 0; i < 10; i++) {
                Socket slowloris = new Socket("127.0.0.1", bigServer.port());
                slowloris.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                slowloris.getOutputStream().flush();
                attackers.add(slowloris);
            }
            for (int i = 0; i < 10; i++) {
                Socket nonReader = new Socket("127.0.0.1", bigServer.port());
                nonReader.setReceiveBufferSize(4096);
                nonReader.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                nonReader.getOutputStream().flush();
                attackers.add(nonReader);
            }
            // Each non-reader's exposition is rendered and being sent: its first bytes arrived, the rest stalls on full buffers.
            for (Socket nonReader : attackers.subList(10, 20)) {
                nonReader.setSoTimeout(30_000);
                assertThat(nonReader.getInputStream().readNBytes(1)).hasSize(1);
            }
            for (int round = 0; round < 3; round++) {
                attackers.subList(0, 10).forEach(s -> {
                    try {
                        s.getOutputStream().write('a'); // keep the slowloris headers alive
                    } catch (java.io.IOException e) {
                        // closed by the server: fine
                    }
                });
                long start = System.nanoTime();
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bigServer.port() + "/metrics"))
                        .timeout(java.time.Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(millis).as("scrape latency with 20 slow clients").isLessThan(2_000);
            }
        } finally {
            for (Socket s : attackers) {
                s.close();
            }
        }
    }
}

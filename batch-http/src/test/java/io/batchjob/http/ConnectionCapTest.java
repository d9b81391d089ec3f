package io.batchjob.http;

import io.undertow.server.HttpHandler;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ConnectionCapTest {

    private static final int CAP = 16;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static HttpHandler ok() {
        return exchange -> exchange.getResponseSender().send("ok");
    }

    @Test
    void aFloodOfIdleConnectionsCostsAtMostTheCapAndARealRequestIsStillAnsweredAtOnce() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try (UndertowServer server = UndertowServer.start("capped", "127.0.0.1", 0, ok(), UndertowServer.Limits.threads(2).withMaxConnections(CAP))) {
            for (int i = 0; i < 20 * CAP; i++) {
                idle.add(new Socket("127.0.0.1", server.port()));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.evictedConnections() >= 19 * CAP);
            assertThat(server.openConnections()).isLessThanOrEqualTo(CAP);

            long start = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).isEqualTo("ok");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            // The oldest idle ones were closed by the server: they read end-of-stream.
            idle.get(0).setSoTimeout(5_000);
            assertThat(idle.get(0).getInputStream().read()).isEqualTo(-1);
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void aClientsKeptAliveConnectionOutlivesAFloodOfConnectionsThatNeverSentARequest() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try (UndertowServer server = UndertowServer.start("capped-keepalive", "127.0.0.1", 0, ok(),
                UndertowServer.Limits.threads(2).withMaxConnections(CAP));
             Socket client = new Socket("127.0.0.1", server.port())) {
            client.setSoTimeout(5_000);
            send(client);
            assertThat(new String(client.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            drainResponse(client);
            for (int i = 0; i < 20 * CAP; i++) {
                idle.add(new Socket("127.0.0.1", server.port()));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.evictedConnections() >= 19 * CAP);
            // The same connection, between its requests all along: still open, its next request answered.
            send(client);
            assertThat(new String(client.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void ofTheKeptAliveConnectionsTheOneUsedLongestAgoGoesFirst() throws Exception {
        try (UndertowServer server = UndertowServer.start("capped-lru", "127.0.0.1", 0, ok(), UndertowServer.Limits.threads(2).withMaxConnections(3));
             Socket a = new Socket("127.0.0.1", server.port());
             Socket b = new Socket("127.0.0.1", server.port());
             Socket c = new Socket("127.0.0.1", server.port())) {
            for (Socket s : List.of(a, b, c, a)) { // a is the oldest connection, and the most recently used
                s.setSoTimeout(5_000);
                send(s);
                assertThat(new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
                drainResponse(s);
            }
            try (Socket d = new Socket("127.0.0.1", server.port())) {
                d.setSoTimeout(5_000);
                send(d);
                assertThat(new String(d.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
                drainResponse(d);
            }
            assertThat(readOrClosed(b.getInputStream())).as("b, used longest ago, was closed").isEqualTo(-1);
            send(a);
            assertThat(new String(a.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).as("a kept").isEqualTo("HTTP/1.1 200");
        }
    }

    /** Reads the rest of a short response ("ok", with Content-Length) so the connection is between requests again. */
    private static void drainResponse(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        assertThat(m.find()).isTrue();
        in.readNBytes(Integer.parseInt(m.group(1)));
    }

    @Test
    void aConnectionWithARequestInAHandlerIsNeverClosedForRoomAndANewOneIsRefusedWhileAllAreBusy() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inHandler = new AtomicInteger();
        HttpHandler blocking = exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(exchange.getDispatchExecutor(), ex -> {
                    inHandler.incrementAndGet();
                    release.await(30, TimeUnit.SECONDS);
                    ex.getResponseSender().send("done");
                });
            }
        };
        List<Socket> busy = new ArrayList<>();
        try (UndertowServer server = UndertowServer.start("capped-busy", "127.0.0.1", 0, blocking,
                UndertowServer.Limits.threads(CAP).withMaxConnections(4))) {
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(30_000);
                send(s);
                busy.add(s);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> inHandler.get() == 4);

            try (Socket refused = new Socket("127.0.0.1", server.port())) {
                refused.setSoTimeout(5_000);
                assertThat(readOrClosed(refused.getInputStream())).as("closed: every connection is busy").isEqualTo(-1);
            }
            release.countDown();
            for (Socket s : busy) {
                String reply = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(reply).isEqualTo("HTTP/1.1 200");
            }
            assertThat(server.evictedConnections()).isZero();
        } finally {
            release.countDown();
            for (Socket s : busy) {
                s.close();
            }
        }
    }

    @Test
    void connectionsThatClosedMakeRoomWithoutClosingABusyOne() throws Exception {
        CountDownLatch[] release = {new CountDownLatch(1), new CountDownLatch(1)};
        AtomicInteger inHandler = new AtomicInteger();
        HttpHandler blocking = exchange -> exchange.dispatch(exchange.getDispatchExecutor(), ex -> {
            int n = inHandler.getAndIncrement();
            release[n < 2 ? 0 : 1].await(30, TimeUnit.SECONDS);
            ex.getResponseSender().send("done");
        });
        List<Socket> sockets = new ArrayList<>();
        try (UndertowServer server = UndertowServer.start("capped-closing", "127.0.0.1", 0, blocking,
                UndertowServer.Limits.threads(CAP).withMaxConnections(4))) {
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(30_000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                sockets.add(s);
                int expected = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> inHandler.get() == expected);
            }
            release[0].countDown(); // the first two answer and close: two entries are closed connections now
            for (Socket s : sockets.subList(0, 2)) {
                assertThat(readOrClosedAll(s)).startsWith("HTTP/1.1 200");
            }
            try (Socket fifth = new Socket("127.0.0.1", server.port())) {
                fifth.setSoTimeout(10_000);
                send(fifth);
                release[1].countDown();
                assertThat(new String(fifth.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            }
            for (Socket s : sockets.subList(2, 4)) {
                assertThat(readOrClosedAll(s)).as("the busy ones were kept").startsWith("HTTP/1.1 200");
            }
        } finally {
            release[1].countDown();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static String readOrClosedAll(Socket s) throws IOException {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    private static void send(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static int readOrClosed(InputStream in) {
        try {
            return in.read();
        } catch (IOException e) {
            return -1; // reset: closed as well
        }
    }

    @Test
    void aCapBelowOneIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> UndertowServer.Limits.threads(1).withMaxConnections(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnections");
    }
}

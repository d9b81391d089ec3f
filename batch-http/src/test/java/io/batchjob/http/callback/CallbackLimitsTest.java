package io.batchjob.http.callback;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.spi.ExecutionListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The limits that keep one job (or one client) from taking the callback API: request slots per
 * job, the idle timeout of bodies, backpressure from the engine, and chunked bodies up to
 * {@code maxUploadSize}.
 */
class CallbackLimitsTest {

    @TempDir
    Path base;

    /** Sends the headers and the first bytes of a body, then stalls. */
    private static Socket stalledPost(CallbackFixture f, String node, String path) throws Exception {
        Socket s = new Socket("127.0.0.1", f.server.port());
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /report/" + node + "/" + f.executionId + "/" + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + f.basic(node)
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\nabc").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    private static String result(int values) {
        StringBuilder sb = new StringBuilder("{\"m\":[");
        for (int i = 0; i < values; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"value\":").append(i).append(",\"labels\":{\"i\":\"").append(i).append("\"}}");
        }
        return sb.append("]}").toString();
    }

    /**
     * Eight jobs each trickling two bodies (what fits in their 2 slots, and would fill all 16): a
     * second call is taken only while a quarter of the slots is free, so a ninth job's result is
     * answered at once.
     */
    @Test
    void jobsTricklingTwoBodiesEachCannotHoldUpAnotherJobsResult() throws Exception {
        List<String> nodes = new java.util.ArrayList<>();
        for (int i = 0; i < 9; i++) {
            nodes.add("node-" + i);
        }
        try (CallbackFixture f = new CallbackFixture(base, nodes, 9, io.batchjob.core.config.CallbackAuth.TOKEN, false, 1 << 20,
                4 * 1024, 16, 512, 10_000)) {
            List<Socket> trickles = new java.util.ArrayList<>();
            try {
                for (int job = 0; job < 8; job++) {
                    for (int call = 0; call < 2; call++) {
                        trickles.add(stalledPost(f, "node-" + job, "file?name=t" + call + ".txt"));
                    }
                }
                // The second calls beyond the reserve are answered 429 at once (their connections end).
                int refused = 0;
                for (Socket s : trickles) {
                    s.setSoTimeout(300);
                    try {
                        String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                        if (head.startsWith("HTTP/1.1 429")) {
                            refused++;
                        }
                    } catch (java.net.SocketTimeoutException stillTrickling) {
                        // held: its body keeps coming
                    }
                }
                // A second call is taken only while fewer than 12 of the 16 slots are held: 2 to 4 are refused,
                // depending on the order the 16 arrive in (all first calls first: 4).
                assertThat(refused).as("second calls refused to keep slots for first calls").isBetween(2, 4);

                long start = System.nanoTime();
                HttpResponse<String> other = f.post(f.url("node-8", "result"), f.basic("node-8"), null, result(1).getBytes(StandardCharsets.UTF_8));
                assertThat(other.statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("another job's result, while 12 bodies trickle")
                        .isLessThan(Duration.ofSeconds(2));
            } finally {
                for (Socket s : trickles) {
                    s.close();
                }
            }
        }
    }

    @Test
    void oneJobHoldsAtMostTwoSlotsAndAStalledBodyIsCutOffAfterTheIdleTimeout() throws Exception {
        try (CallbackFixture f = CallbackFixture.standard(base)) {
            Socket first = stalledPost(f, "node-a", "file?name=first.txt");
            Socket second = stalledPost(f, "node-a", "file?name=second.txt");
            try (first; second) {
                // A third callback of the same job: 429 at once, with Retry-After; its body is not read.
                HttpResponse<String> third = await().atMost(Duration.ofSeconds(5)).until(
                        () -> f.post(f.url("node-a", "result"), f.basic("node-a"), null, result(1).getBytes(StandardCharsets.UTF_8)),
                        r -> r.statusCode() == 429);
                assertThat(third.headers().firstValue("Retry-After")).contains("1");
                assertThat(third.body()).contains("already has 2 callbacks in progress");

                // Another job is not affected.
                long start = System.nanoTime();
                HttpResponse<String> other = f.post(f.url("node-b", "result"), f.basic("node-b"), null, result(1).getBytes(StandardCharsets.UTF_8));
                assertThat(other.statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

                // The stalled bodies: the connection ends once the body has been idle for the timeout.
                start = System.nanoTime();
                for (Socket s : List.of(first, second)) {
                    String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until the server closes
                    assertThat(answer).startsWith("HTTP/1.1 408").contains("the request body paused for more than 2 s; nothing was stored");
                }
                Duration cut = Duration.ofNanos(System.nanoTime() - start);
                assertThat(cut).as("cut off after the idle timeout").isLessThan(CallbackFixture.BODY_IDLE_TIMEOUT.plusSeconds(5));
            }
            // The job's slots are free again, and nothing of the stalled uploads was kept.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(f.post(f.url("node-a", "result"), f.basic("node-a"), null,
                    result(1).getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200));
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-first.txt")).doesNotExist();
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-second.txt")).doesNotExist();
        }
    }

    /** Holds the engine's events thread in onResultReceived until released. */
    static final class Gate implements ExecutionListener {
        final CountDownLatch release = new CountDownLatch(1);
        /** Counted down once a result is held: it has left the backlog. */
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public void onResultReceived(String executionId, String node, JobResult result) {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aResultTheEngineHasNoRoomForIsRefusedWith503AndNotStored() throws Exception {
        Gate gate = new Gate();
        try (CallbackFixture f = new CallbackFixture(base, List.of("node-a", "node-b", "node-c"), 3, CallbackAuth.TOKEN, false, 1 << 20,
                1 << 20, 16, 512, ControllerConfig.DEFAULT_MAX_SERIES_PER_RESULT, b -> b.listener(gate).resultBacklogValues(10))) {
            try {
                // node-a's result is being delivered (the listener holds it); node-b's waits: 8 of 10 values.
                assertThat(f.post(f.url("node-a", "result"), f.basic("node-a"), null, result(3).getBytes(StandardCharsets.UTF_8)).statusCode())
                        .isEqualTo(200);
                // Accepted is not yet taken: node-a's 3 values count in the backlog until the events thread holds them.
                assertThat(gate.entered.await(5, TimeUnit.SECONDS)).as("node-a's result reached the listener").isTrue();
                assertThat(f.post(f.url("node-b", "result"), f.basic("node-b"), null, result(8).getBytes(StandardCharsets.UTF_8)).statusCode())
                        .isEqualTo(200);
                // 3 more exceed the backlog: 503 with Retry-After, and nothing stored.
                HttpResponse<String> busy = f.post(f.url("node-c", "result"), f.basic("node-c"), null,
                        result(3).getBytes(StandardCharsets.UTF_8));
                assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
                assertThat(busy.headers().firstValue("Retry-After")).contains("1");
                assertThat(f.reports.resolve(f.executionId).resolve("node-c.json")).as("refused before storing").doesNotExist();
                // node-b re-posting replaces its waiting result (no refusal, no growth); the stored file is the newer one.
                assertThat(f.post(f.url("node-b", "result"), f.basic("node-b"), null, result(2).getBytes(StandardCharsets.UTF_8)).statusCode())
                        .isEqualTo(200);
                assertThat(Files.readString(f.reports.resolve(f.executionId).resolve("node-b.json"))).isEqualTo(result(2));
            } finally {
                gate.release.countDown();
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(f.post(f.url("node-c", "result"), f.basic("node-c"), null,
                    result(3).getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200));
        }
    }

    @Test
    void chunkedUploadsUpToMaxUploadSizeAreStoredIntactAndLargerOnesRefused() throws Exception {
        int max = 8 << 20;
        try (CallbackFixture f = new CallbackFixture(base, CallbackAuth.TOKEN, false, max, 64 << 10, 16, 512)) {
            byte[] data = new byte[5 << 20];
            new java.util.Random(7).nextBytes(data);
            // ofInputStream has no length: the JDK client sends it chunked.
            HttpResponse<String> ok = f.client.send(HttpRequest.newBuilder(URI.create(f.url("node-a", "file") + "?name=big.bin"))
                    .header("Authorization", f.basic("node-a"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(data))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            Path stored = f.reports.resolve(f.executionId).resolve("node-a-big.bin");
            assertThat(crc(Files.readAllBytes(stored))).isEqualTo(crc(data));

            // Chunked with curl too, as a job script sends a stream.
            Path file = base.resolve("upload.bin");
            Files.write(file, data);
            String curl = CallbackFixture.curl("-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/octet-stream",
                    "--data-binary", "@" + file, f.injectedUrl("node-a", "file") + "?name=curl.bin");
            assertThat(curl).startsWith("200\n");
            assertThat(crc(Files.readAllBytes(f.reports.resolve(f.executionId).resolve("node-a-curl.bin")))).isEqualTo(crc(data));

            // Over the limit: Undertow ends a chunked body at the limit; the client sees 413 or the connection end.
            byte[] tooBig = new byte[max + 1];
            int status;
            try {
                status = f.client.send(HttpRequest.newBuilder(URI.create(f.url("node-a", "file") + "?name=huge.bin"))
                        .header("Authorization", f.basic("node-a"))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(tooBig))).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (java.io.IOException e) {
                status = -1;
            }
            assertThat(status).isIn(413, -1);
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-huge.bin")).doesNotExist();
        }
    }

    private static long crc(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return crc.getValue();
    }
}

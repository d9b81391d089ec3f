package io.batchjob.http.callback;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobEventPublisher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class CallbackApiTest {

    @TempDir
    Path base;
    private CallbackFixture f;

    @AfterEach
    void close() {
        if (f != null) {
            f.close();
        }
    }

    private Path stored(String name) {
        return f.reports.resolve(f.executionId).resolve(name);
    }

    @Test
    void theGoControllersResultExampleWorksUnchangedWithCurl() throws Exception {
        f = CallbackFixture.standard(base);

        String out = CallbackFixture.curl("-X", "POST", "-H", "Content-Type: application/json", "--data-binary",
                "{\"my_metric\":[{\"value\":1.0,\"labels\":{\"label_a\":\"AAA\"}}]}", f.injectedUrl("node-a", "result"));

        assertThat(out).startsWith("200\n");
        assertThat(stored("node-a.json")).hasContent("{\"my_metric\":[{\"value\":1.0,\"labels\":{\"label_a\":\"AAA\"}}]}");
        await().until(() -> f.harness.listener.events.contains("result:node-a"));
        assertThat(f.observed).anySatisfy(o -> {
            assertThat(o.endpoint()).isEqualTo("result");
            assertThat(o.status()).isEqualTo(200);
            assertThat(o.bytesStored()).isEqualTo(56);
        });
    }

    @Test
    void theGoControllersFileExamplesWorkUnchangedWithCurl() throws Exception {
        f = CallbackFixture.standard(base);

        String disposition = CallbackFixture.curl("-X", "POST", "-H", "Content-Disposition: attachment;filename=\"test.txt\"",
                "--data-binary", "x", f.injectedUrl("node-a", "file"));
        String named = CallbackFixture.curl("-X", "POST", "--data-binary", "raw content", f.injectedUrl("node-a", "file") + "?name=x.txt");
        String multipart = CallbackFixture.curl("-F", "file1=@" + write("a.log", "log a"), "-F", "file2=@" + write("b.csv", "1,2"),
                f.injectedUrl("node-b", "file"));

        assertThat(disposition).startsWith("200\nstored node-a-test.txt");
        assertThat(named).startsWith("200\nstored node-a-x.txt");
        assertThat(multipart).startsWith("200\nstored node-b-a.log, node-b-b.csv");
        assertThat(stored("node-a-test.txt")).hasContent("x");
        assertThat(stored("node-a-x.txt")).hasContent("raw content");
        assertThat(stored("node-b-a.log")).hasContent("log a");
        assertThat(stored("node-b-b.csv")).hasContent("1,2");
    }

    @Test
    void theGoControllersEventExampleWorksUnchangedWithCurl() throws Exception {
        f = CallbackFixture.standard(base);

        String out = CallbackFixture.curl("-X", "POST", "-H", "Content-Type: application/json", "--data-binary",
                "{\"warning\": true, \"reason\": \"TestReason\", \"message\": \"m: %s\", \"args\": [\"a1\"]}", f.injectedUrl("node-a", "event"));

        assertThat(out).startsWith("200\n");
        assertThat(f.events).containsExactly(new JobEvent(f.executionId, "node-a", true, "TestReason", "m: a1", "n/a"));
    }

    @Test
    void anEventKeepsItsActionAndToleratesMissingOrExtraArguments() throws Exception {
        f = CallbackFixture.standard(base);

        f.post(f.url("node-a", "event"), f.basic("node-a"), null,
                "{\"reason\":\"Scan\",\"message\":\"%s of %d done, %s\",\"args\":[\"a\",3],\"action\":\"Scanned\"}".getBytes());
        f.post(f.url("node-a", "event"), f.basic("node-a"), null, "{\"reason\":\"Scan\",\"message\":\"done\",\"args\":[1]}".getBytes());

        assertThat(f.events).extracting(JobEvent::message, JobEvent::action, JobEvent::warning).containsExactly(
                org.assertj.core.groups.Tuple.tuple("a of 3 done, %!s(MISSING)", "Scanned", false),
                org.assertj.core.groups.Tuple.tuple("done%!(EXTRA int=1)", "n/a", false));
    }

    @Test
    void anEventApiFailureIsABadGatewayWithItsReason() throws Exception {
        f = CallbackFixture.standard(base);
        f.eventFailure = new JobEventPublisher.JobEventException("events.k8s.io is forbidden");

        HttpResponse<String> r = f.post(f.url("node-a", "event"), f.basic("node-a"), null, "{\"reason\":\"R\",\"message\":\"m\"}".getBytes());

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).isEqualTo("the event could not be created: events.k8s.io is forbidden\n");
    }

    @Test
    void aBearerTokenWorksAsWellAsTheUrlCredentials() throws Exception {
        f = CallbackFixture.standard(base);

        HttpResponse<String> r = f.post(f.url("node-a", "file") + "?name=b.txt", "Bearer " + f.secret("node-a"), "text/plain",
                "bearer".getBytes());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(stored("node-a-b.txt")).hasContent("bearer");
    }

    @Test
    void filenameStarIsDecodedPerRfc5987() throws Exception {
        f = CallbackFixture.standard(base);

        HttpResponse<String> r = f.client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(f.url("node-a", "file")))
                .header("Authorization", f.basic("node-a"))
                .header("Content-Disposition", "attachment; filename=\"fallback.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.txt")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("cv")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(stored("node-a-résumé final.txt")).hasContent("cv");
    }

    /** café in NFC and in NFD look the same in a listing: they are one name, stored once (the newer wins). */
    @Test
    void namesAreNfcNormalisedSoTwoSpellingsOfOneNameAreOneFile() throws Exception {
        f = CallbackFixture.standard(base);

        assertThat(f.post(f.url("node-a", "file") + "?name=caf%C3%A9.txt", f.basic("node-a"), "text/plain", "nfc".getBytes()).statusCode())
                .isEqualTo(200);
        assertThat(f.post(f.url("node-a", "file") + "?name=cafe%CC%81.txt", f.basic("node-a"), "text/plain", "nfd".getBytes()).statusCode())
                .isEqualTo(200);

        String nfc = "node-a-caf\u00e9.txt";
        assertThat(stored(nfc)).hasContent("nfd");
        try (var files = java.nio.file.Files.list(stored(nfc).getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("node-a-caf")).toList()).containsExactly(nfc);
        }
    }

    @Test
    void anUnnamedUploadGetsAUuidAndAnExtensionFromItsContentType() throws Exception {
        f = CallbackFixture.standard(base);

        f.post(f.url("node-a", "file"), f.basic("node-a"), "text/plain; charset=utf-8", "t".getBytes());
        f.post(f.url("node-a", "file"), f.basic("node-a"), "application/json", "{}".getBytes());
        f.post(f.url("node-a", "file"), f.basic("node-a"), "application/x-unknown", "?".getBytes());

        try (var files = Files.list(f.reports.resolve(f.executionId))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("node-a-")))
                    .hasSize(3)
                    .anyMatch(n -> n.matches("node-a-[0-9a-f-]{36}\\.txt"))
                    .anyMatch(n -> n.matches("node-a-[0-9a-f-]{36}\\.json"))
                    .anyMatch(n -> n.matches("node-a-[0-9a-f-]{36}"));
        }
    }

    @Test
    void withoutAuthenticationCallbacksWorkLikeTheGoController() throws Exception {
        f = new CallbackFixture(base, CallbackAuth.NONE, false, 1 << 20, 64 << 10, 16, 512);

        String out = CallbackFixture.curl("-X", "POST", "--data-binary", "{\"m\":[{\"value\":2}]}", f.injectedUrl("node-a", "result"));

        assertThat(f.injectedUrl("node-a", "result")).doesNotContain("@");
        assertThat(out).startsWith("200\n");
        assertThat(stored("node-a.json")).exists();
    }

    @Test
    void devModeAcceptsCallbacksForUnknownJobsWhenAuthenticationIsOff() throws Exception {
        f = new CallbackFixture(base, CallbackAuth.NONE, true, 1 << 20, 64 << 10, 16, 512);

        HttpResponse<String> r = f.post("http://127.0.0.1:" + f.server.port() + "/report/elsewhere/" + f.executionId + "/result", null,
                null, "{\"m\":[{\"value\":2}]}".getBytes());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(stored("elsewhere.json")).exists();
    }

    @Test
    void aReportedJobThatEndsWellSucceeds() throws Exception {
        f = CallbackFixture.standard(base);
        CallbackFixture.curl("-X", "POST", "--data-binary", "{\"m\":[{\"value\":2}]}", f.injectedUrl("node-a", "result"));

        f.harness.backend.end(f.executionId, "node-a", io.batchjob.core.spi.JobEnd.succeeded());

        await().until(() -> f.harness.listener.events.contains("jobEnded:node-a:SUCCEEDED"));
    }

    @Test
    void beyondTheQueueCallbacksGet503WithRetryAfter() throws Exception {
        f = new CallbackFixture(base, CallbackAuth.TOKEN, false, 1 << 20, 64 << 10, 1, 1);
        // Hold the only slot: a raw upload that sends its body slowly.
        try (java.net.Socket slow = new java.net.Socket("127.0.0.1", f.server.port())) {
            java.io.OutputStream out = slow.getOutputStream();
            out.write(("POST /report/node-a/" + f.executionId + "/file?name=slow.txt HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + f.basic("node-a") + "\r\nContent-Length: 4\r\n\r\nab").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().until(() -> Files.list(f.reports.resolve(f.executionId)).anyMatch(p -> p.getFileName().toString().startsWith(".tmp-")));

            // Two more arrive: one waits in the queue of one, the other is refused at once.
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> more = new java.util.ArrayList<>();
            for (String name : List.of("q1.txt", "q2.txt")) {
                more.add(f.client.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(f.url("node-b", "file") + "?name=" + name))
                        .header("Authorization", f.basic("node-b")).POST(java.net.http.HttpRequest.BodyPublishers.ofString("q")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            HttpResponse<String> refused = java.util.concurrent.CompletableFuture.anyOf(more.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .thenApply(r -> (HttpResponse<String>) r).get(30, java.util.concurrent.TimeUnit.SECONDS);

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).contains("1");
            assertThat(refused.body()).isEqualTo("too many callbacks at once; retry in a second\n");
            out.write("cd".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(slow.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).isEqualTo("HTTP/1.1 200");
            List<Integer> statuses = new java.util.ArrayList<>();
            for (var m : more) {
                statuses.add(m.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode());
            }
            assertThat(statuses).containsExactlyInAnyOrder(200, 503);
        }
        assertThat(stored("node-a-slow.txt")).hasContent("abcd");
        assertThat(f.post(f.url("node-b", "result"), f.basic("node-b"), null, "{\"m\":[{\"value\":1}]}".getBytes()).statusCode()).isEqualTo(200);
    }

    private String write(String name, String content) throws Exception {
        Path p = Files.createDirectories(base.resolve("client")).resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p.toString();
    }

    @Test
    void aJobsSecretStopsWorkingWhenItsJobHasEnded(@TempDir Path dir) throws Exception {
        try (CallbackFixture f = CallbackFixture.standard(dir)) {
            String url = f.injectedUrl("node-a", "result");
            assertThat(f.post(url, null, null, "{\"m\":[{\"value\":1}]}".getBytes()).statusCode()).isEqualTo(200);
            f.harness.backend.end(f.executionId, "node-a", io.batchjob.core.spi.JobEnd.succeeded());
            // node-a's slot goes to node-c once the engine has the end.
            await().until(() -> f.harness.backend.request(f.executionId, "node-c").isPresent());

            for (String u : java.util.List.of(url, f.injectedUrl("node-a", "file") + "?name=late.txt", f.injectedUrl("node-a", "event"))) {
                HttpResponse<String> r = f.post(u, null, null, "{\"m\":[{\"value\":2}]}".getBytes());
                assertThat(r.statusCode()).as(u).isEqualTo(401);
                assertThat(r.body()).contains("only while it runs");
            }
            assertThat(f.post(f.url("node-a", "result"), "Bearer " + f.secret("node-a"), null, "{\"m\":[{\"value\":2}]}".getBytes())
                    .statusCode()).isEqualTo(401);
            assertThat(f.reports.resolve(f.executionId).resolve("node-a.json")).hasContent("{\"m\":[{\"value\":1}]}");
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-late.txt")).doesNotExist();
        }
    }

    /** Sends the head of a request with Expect: 100-continue and returns the first status line the server answers. */
    private static String firstAnswerToExpectContinue(int port, String path, String authorization) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status != null && status.contains(" 100 ")) {
                for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
                    // the interim answer's headers, up to its blank line
                }
                socket.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                String finalStatus = in.readLine();
                return status + " then " + finalStatus;
            }
            return status;
        }
    }

    @Test
    void expectContinueIsAnsweredOnceTheCallerIsKnownAndRefusedAtOnceOtherwise(@TempDir Path dir) throws Exception {
        try (CallbackFixture f = CallbackFixture.standard(dir)) {
            String path = java.net.URI.create(f.injectedUrl("node-a", "file")).getRawPath() + "?name=continued.txt";
            assertThat(firstAnswerToExpectContinue(f.server.port(), path, null))
                    .isEqualTo("HTTP/1.1 100 Continue then HTTP/1.1 200 OK");
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-continued.txt")).hasContent("hello");
            // Without credentials the answer comes at once, no body is asked for.
            assertThat(firstAnswerToExpectContinue(f.server.port(), "/report/node-a/" + f.executionId + "/file?name=x.txt", null))
                    .startsWith("HTTP/1.1 401");
        }
    }

    @Test
    void halfSentRequestsWithoutCredentialsAreAnsweredAtOnceAndHoldNothing(@TempDir Path dir) throws Exception {
        try (CallbackFixture f = CallbackFixture.standard(dir)) {
            List<java.net.Socket> attackers = new java.util.ArrayList<>();
            try {
                // More than the 16 request slots: each announces a large body, sends 3 bytes and waits.
                for (int i = 0; i < 24; i++) {
                    java.net.Socket s = new java.net.Socket("127.0.0.1", f.server.port());
                    s.setSoTimeout(2_000);
                    s.getOutputStream().write(("POST /report/x/1/result HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc")
                            .getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                    attackers.add(s);
                }
                for (java.net.Socket s : attackers) {
                    String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                    assertThat(status).as("answered at once, without its body").startsWith("HTTP/1.1 401");
                }
                long start = System.nanoTime();
                HttpResponse<String> legit = f.post(f.injectedUrl("node-a", "result"), null, null, "{\"m\":[{\"value\":1}]}".getBytes());
                assertThat(legit.statusCode()).isEqualTo(200);
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).as("a job's callback during the attack")
                        .isLessThan(java.time.Duration.ofSeconds(2));
            } finally {
                for (java.net.Socket s : attackers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aMultipartUploadWithTooManyPartsIsA400AndStoresNothing(@TempDir Path dir) throws Exception {
        try (CallbackFixture f = CallbackFixture.standard(dir)) {
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < 150; i++) {
                body.append("--b\r\nContent-Disposition: form-data; name=\"f").append(i).append("\"; filename=\"p").append(i)
                        .append(".txt\"\r\nContent-Type: text/plain\r\n\r\nx\r\n");
            }
            body.append("--b--\r\n");
            HttpResponse<String> r = f.post(f.injectedUrl("node-a", "file"), null, "multipart/form-data; boundary=b",
                    body.toString().getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(r.body()).startsWith("too many parts or parameters");
            try (var files = Files.list(f.reports.resolve(f.executionId))) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("node-a-p"));
            }
        }
    }

    @Test
    void aNodeCannotWriteAnotherNodesFilesWhenTheirNamesShareAPrefix(@TempDir Path dir) throws Exception {
        try (CallbackFixture f = new CallbackFixture(dir, List.of("x", "x-y", "z"), io.batchjob.core.config.CallbackAuth.TOKEN, false,
                1 << 20, 64 << 10, 16, 512)) {
            assertThat(f.post(f.injectedUrl("x-y", "result"), null, null, "{\"m\":[{\"value\":1}]}".getBytes()).statusCode()).isEqualTo(200);
            List<String> before = f.snapshot();
            // x-y.json is node x-y's result, x-y-report.txt its upload, x-y-container-job.log its log.
            for (String name : List.of("y.json", "y-report.txt", "y-container-job.log")) {
                HttpResponse<String> raw = f.post(f.injectedUrl("x", "file") + "?name=" + name, null, "text/plain", "forged".getBytes());
                assertThat(raw.statusCode()).as(name).isEqualTo(400);
                assertThat(raw.body()).contains("a file of node x-y: a job may only write its own files");
            }
            HttpResponse<String> multipart = f.post(f.injectedUrl("x", "file"), null, "multipart/form-data; boundary=b",
                    ("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"y.json\"\r\n\r\nforged\r\n--b--\r\n")
                            .getBytes(StandardCharsets.UTF_8));
            assertThat(multipart.statusCode()).isEqualTo(400);
            await().untilAsserted(() -> assertThat(f.snapshot()).isEqualTo(before));
            assertThat(f.reports.resolve(f.executionId).resolve("x-y.json")).hasContent("{\"m\":[{\"value\":1}]}");
            // Its own files, also with a dash, are fine.
            assertThat(f.post(f.injectedUrl("x", "file") + "?name=z-notes.txt", null, "text/plain", "mine".getBytes()).statusCode())
                    .isEqualTo(200);
            assertThat(f.post(f.injectedUrl("x-y", "file") + "?name=y.json", null, "text/plain", "mine".getBytes()).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void aResultWithMoreSeriesThanMaxSeriesPerResultIsA413AndStoresNothing(@TempDir Path dir) throws Exception {
        try (CallbackFixture f = new CallbackFixture(dir, List.of("node-a", "node-b"), io.batchjob.core.config.CallbackAuth.TOKEN, false,
                1 << 20, 64 << 10, 16, 512, 3)) {
            String three = "{\"m\":[{\"value\":1},{\"value\":2}],\"n\":[{\"value\":3}]}";
            assertThat(f.post(f.injectedUrl("node-a", "result"), null, null, three.getBytes()).statusCode()).isEqualTo(200);
            HttpResponse<String> r = f.post(f.injectedUrl("node-b", "result"), null, null,
                    "{\"m\":[{\"value\":1},{\"value\":2},{\"value\":3},{\"value\":4}]}".getBytes());
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(r.body()).isEqualTo("the result has 4 values, more than maxSeriesPerResult (3): send fewer label sets, or raise the limit in config.yaml\n");
            assertThat(f.reports.resolve(f.executionId).resolve("node-b.json")).doesNotExist();
        }
    }
}

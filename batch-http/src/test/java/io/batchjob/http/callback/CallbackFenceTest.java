package io.batchjob.http.callback;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A replica whose fence is closed (it may no longer lead) stores no callback and tells the job to retry. */
class CallbackFenceTest {

    @TempDir
    Path base;

    @Test
    void aCallbackToAReplicaThatMayNotLeadIsAnswered503WithRetryAfterAndNothingIsStored() throws Exception {
        try (CallbackFixture f = CallbackFixture.standard(base)) {
            f.harness.store.fenceWith(() -> Optional.of("the leader Lease was last renewed 20000 ms ago"));
            HttpResponse<String> result = f.post(f.injectedUrl("node-a", "result"), null, "application/json",
                    "{\"m\":[{\"value\":1}]}".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> file = f.post(f.injectedUrl("node-a", "file") + "?name=a.txt", null, "text/plain",
                    "x".getBytes(StandardCharsets.UTF_8));

            // Refused before anything about the job is checked: a fence installed after the API was built counts too.
            HttpResponse<String> wrongSecret = f.post(f.injectedUrl("node-a", "result").replaceFirst("/job/[^/]+/", "/job/not-the-secret/"),
                    null, "application/json", "{\"m\":[{\"value\":1}]}".getBytes(StandardCharsets.UTF_8));

            for (HttpResponse<String> r : java.util.List.of(result, file, wrongSecret)) {
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).contains("1");
                assertThat(r.body()).contains("this controller does not lead now").contains("retry");
            }
            assertThat(f.reports.resolve(f.executionId).resolve("node-a.json")).doesNotExist();
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-a.txt")).doesNotExist();

            f.harness.store.fenceWith(io.batchjob.core.spi.WriteFence.OPEN); // leading again: the retry works
            assertThat(f.post(f.injectedUrl("node-a", "result"), null, "application/json",
                    "{\"m\":[{\"value\":1}]}".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aReplicaStillTakingOverTheRunningExecutionAsksForARetryInsteadOfRefusingTheJob() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean takingOver = new java.util.concurrent.atomic.AtomicBoolean(true);
        io.undertow.server.HttpHandler handler = new io.batchjob.http.ProblemHandler(CallbackJob.from(new LeaderOnly(
                () -> io.batchjob.core.spi.WriteFence.OPEN, null, takingOver::get, exchange -> io.batchjob.http.PlainText.send(exchange, 200, "checked"))));
        io.undertow.server.HttpHandler routed = io.undertow.Handlers.routing().post("/report/{node}/{executionID}/result",
                new io.undertow.server.handlers.BlockingHandler(handler));
        try (io.batchjob.http.UndertowServer server = io.batchjob.http.UndertowServer.start("callback", "127.0.0.1", 0, routed,
                io.batchjob.http.UndertowServer.Limits.threads(2))) {
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest post = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port()
                    + "/report/node-a/20261127080000/result")).POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build();

            HttpResponse<String> during = client.send(post, HttpResponse.BodyHandlers.ofString());
            assertThat(during.statusCode()).isEqualTo(503);
            assertThat(during.headers().firstValue("Retry-After")).contains("1");
            assertThat(during.body()).contains("taking over the running execution");

            takingOver.set(false);
            HttpResponse<String> after = client.send(post, HttpResponse.BodyHandlers.ofString());
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(after.body()).isEqualTo("checked\n");
        }
    }
}

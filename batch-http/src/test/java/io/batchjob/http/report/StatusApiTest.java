package io.batchjob.http.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.batchjob.http.UndertowServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The read-only status API of the report server: live for the running execution, recorded for the others. */
class StatusApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JobResult RESULT = new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of()))));
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path reports;

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(int port, String path) throws Exception {
        HttpResponse<String> r = get(port, path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        return JSON.readTree(r.body());
    }

    private static int rawStatus(int port, String target) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            String line = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(line.substring(9, 12));
        }
    }

    @Test
    void listsExecutionsNewestFirstAndShowsTheRunningOneLiveNodeByNode() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports.resolve("r")).nodes(List.of("a", "a-b", "c", "d")).poolSize(2)
                .backend(InMemoryJobBackend.manual()).build();
             UndertowServer server = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(h.store, h.engine.status()).handler(),
                     UndertowServer.Limits.threads(2))) {
            int port = server.port();
            h.engine.activate();
            String first = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(first).size() == 2);
            h.store.write(first, "a.json", "{}".getBytes());
            h.store.write(first, "a-b-report.txt", "x".getBytes()); // node a-b's, not a's
            h.store.write(first, "a-report.txt", "x".getBytes());
            h.engine.resultReceived(first, "a", RESULT);
            h.backend.end(first, "a", JobEnd.succeeded());
            await().until(() -> h.backend.runningNodes(first).containsAll(List.of("a-b", "c")));

            JsonNode live = json(port, "/api/executions/" + first);
            assertThat(live.get("state").asText()).isEqualTo("RUNNING");
            assertThat(live.get("cause").asText()).isEqualTo("schedule");
            assertThat(live.get("counts").get("SUCCEEDED").asInt()).isEqualTo(1);
            assertThat(live.get("counts").get("RUNNING").asInt()).isEqualTo(2);
            assertThat(live.get("counts").get("PENDING").asInt()).isEqualTo(1);
            JsonNode a = live.get("nodes").get(0);
            assertThat(a.get("node").asText()).isEqualTo("a");
            assertThat(a.get("state").asText()).isEqualTo("ENDED");
            assertThat(a.get("outcome").asText()).isEqualTo("SUCCEEDED");
            assertThat(a.get("durationMillis").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(a.get("files")).extracting(JsonNode::asText).containsExactly("a-report.txt", "a.json");
            assertThat(live.get("nodes").get(1).get("files")).extracting(JsonNode::asText).containsExactly("a-b-report.txt");
            assertThat(live.get("nodes").get(1).get("state").asText()).isEqualTo("RUNNING");
            assertThat(live.get("nodes").get(1).has("moreFiles")).isFalse();
            for (int i = 0; i < 25; i++) {
                h.store.write(first, String.format("c-%02d.txt", i), "x".getBytes());
            }
            JsonNode c = json(port, "/api/executions/" + first).get("nodes").get(2);
            assertThat(c.get("files")).as("a node's first files only: a detail stays small").hasSize(20)
                    .extracting(JsonNode::asText).startsWith("c-00.txt").endsWith("c-19.txt");
            assertThat(c.get("moreFiles").asInt()).isEqualTo(5);
            assertThat(live.get("nodes").get(3).get("state").asText()).isEqualTo("PENDING");
            assertThat(json(port, "/api/executions/latest").get("executionId").asText()).isEqualTo(first);

            for (String n : List.of("a-b", "c")) {
                h.backend.end(first, n, JobEnd.failed("exit code 3"));
            }
            await().until(() -> h.backend.runningNodes(first).contains("d"));
            h.backend.end(first, "d", JobEnd.succeeded());
            await().until(() -> h.engine.progress().isEmpty());
            h.clock.advance(java.time.Duration.ofMinutes(1));
            String second = ((TriggerOutcome.Started) h.engine.trigger("manual")).executionId();

            JsonNode list = json(port, "/api/executions");
            assertThat(list.get("executions")).extracting(e -> e.get("executionId").asText()).containsExactly(second, first);
            JsonNode finished = list.get("executions").get(1);
            assertThat(finished.get("state").asText()).isEqualTo("FINISHED");
            assertThat(finished.get("endedAt").asText()).isNotEmpty();
            assertThat(finished.get("counts").get("FAILED").asInt()).isEqualTo(2);
            assertThat(finished.get("counts").get("NO_REPORT").asInt()).isEqualTo(1);
            assertThat(list.get("executions").get(0).get("state").asText()).isEqualTo("RUNNING");
            JsonNode recorded = json(port, "/api/executions/" + first);
            assertThat(recorded.get("nodes").get(1).get("reason").asText()).isEqualTo("exit code 3");
        }
    }

    @Test
    void unknownAndHostileRequestsAreRefusedWithoutServingAnything() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports.resolve("r")).build();
             UndertowServer server = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(h.store, h.engine.status()).handler(),
                     UndertowServer.Limits.threads(2))) {
            int port = server.port();
            assertThat(json(port, "/api/executions").get("executions")).isEmpty();
            HttpResponse<String> unknown = get(port, "/api/executions/20991231235959");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(unknown.body()).get("error").asText()).isEqualTo("no execution 20991231235959 in the report history");
            assertThat(get(port, "/api/executions/latest").statusCode()).isEqualTo(404);
            assertThat(get(port, "/api/other").statusCode()).isEqualTo(404);
            assertThat(get(port, "/api/executions/1/nodes").statusCode()).isEqualTo(404);
            for (String hostile : List.of("/api/executions/..%2f..%2fetc", "/api/executions/%00", "/api//executions", "/api/executions/.hidden",
                    "/api/executions/%E2%80%AE1")) {
                assertThat(rawStatus(port, hostile)).as(hostile).isEqualTo(404);
            }
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/executions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
        }
    }
}

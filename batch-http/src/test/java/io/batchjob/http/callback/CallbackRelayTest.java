package io.batchjob.http.callback;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.spi.LeaderAddress;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.http.UndertowServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica that does not lead hands callbacks to the leader: the job's result survives whichever
 * replica the Service picked. The standby here is a whole second callback API (its own engine and
 * report directory, fence closed), relaying to the leader's real server.
 */
class CallbackRelayTest {

    @TempDir
    Path base;

    private final HttpClient http = HttpClient.newHttpClient();

    /** A standby replica relaying to whatever {@code leader} says; closed by the caller. */
    private record Standby(EngineHarness harness, UndertowServer server) implements AutoCloseable {
        String url(CallbackFixture leader, String node, String kind) {
            return leader.injectedUrl(node, kind).replace(":" + leader.server.port() + "/", ":" + server.port() + "/");
        }

        @Override
        public void close() {
            server.close();
            harness.close();
        }
    }

    private Standby standby(LeaderAddress leader, Duration wait) {
        return standby(leader, wait, () -> false);
    }

    private Standby standby(LeaderAddress leader, Duration wait, java.util.function.BooleanSupplier leadsNow) {
        EngineHarness h = EngineHarness.builder(base.resolve("standby")).build(); // not activated: it does not lead
        h.store.fenceWith(() -> Optional.of("this controller does not hold the leader Lease"));
        CallbackApi api = new CallbackApi(h.engine, h.store, event -> { }, new CallbackSettings(CallbackAuth.TOKEN, "batch_job", 1 << 20,
                64 << 10, false, 16, 512), request -> { }, new CallbackRelay(leader, wait, leadsNow));
        return new Standby(h, UndertowServer.start("standby-callback", "127.0.0.1", 0, api.handler(),
                UndertowServer.Limits.threads(16).withMaxEntitySize(1 << 20)));
    }

    private static LeaderAddress at(CallbackFixture leader) {
        return wait -> Optional.of(URI.create("http://127.0.0.1:" + leader.server.port()));
    }

    private HttpResponse<String> post(String url, String contentType, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void resultsAndUploadsSentToAStandbyAreStoredByTheLeaderAndItsAnswersComeBackAsTheyWere() throws Exception {
        try (CallbackFixture leader = CallbackFixture.standard(base.resolve("leader"));
             Standby standby = standby(at(leader), Duration.ofSeconds(5))) {
            HttpResponse<String> result = post(standby.url(leader, "node-a", "result"), "application/json",
                    "{\"m\":[{\"value\":7}]}".getBytes(StandardCharsets.UTF_8));
            assertThat(result.statusCode()).as(result.body()).isEqualTo(200);
            assertThat(result.body()).isEqualTo("result stored for node node-a in execution " + leader.executionId + "\n");
            assertThat(leader.reports.resolve(leader.executionId).resolve("node-a.json")).hasContent("{\"m\":[{\"value\":7}]}");

            byte[] upload = new byte[700 * 1024];
            new Random(3).nextBytes(upload);
            HttpResponse<String> file = post(standby.url(leader, "node-a", "file") + "?name=scan.bin", "application/octet-stream", upload);
            assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
            assertThat(Files.readAllBytes(leader.reports.resolve(leader.executionId).resolve("node-a-scan.bin"))).isEqualTo(upload);

            // The leader checks the credentials; its refusal comes back unchanged.
            String forged = standby.url(leader, "node-a", "result").replace(leader.secret("node-a"), leader.secret("node-b"));
            HttpResponse<String> refused = post(forged, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).isPresent();
            // The leader's limits hold: an upload over its maxUploadSize is its 413.
            assertThat(post(standby.url(leader, "node-a", "file") + "?name=big.bin", "application/octet-stream", new byte[(1 << 20) + 1])
                    .statusCode()).isEqualTo(413);

            try (var kept = Files.walk(base.resolve("standby"))) {
                assertThat(kept.filter(Files::isRegularFile).toList()).as("the standby stored nothing").isEmpty();
            }
        }
    }

    @Test
    void whileNoReplicaLeadsARequestWaitsForOneThenGets503AndARelayedRequestIsNeverRelayedAgain() throws Exception {
        try (CallbackFixture leader = CallbackFixture.standard(base.resolve("leader"));
             Standby nobody = standby(wait -> Optional.empty(), Duration.ofSeconds(1))) {
            long start = System.nanoTime();
            HttpResponse<String> r = post(nobody.url(leader, "node-a", "result"), "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).contains("5");
            assertThat(r.body()).contains("no controller leads now (waited 1 s); retry");
            // The wait is the LeaderAddress's (a real one waits up to the limit; this one answers at once).
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

            HttpResponse<String> loop = http.send(HttpRequest.newBuilder(URI.create(nobody.url(leader, "node-a", "result")))
                    .header(CallbackRelay.RELAYED.toString(), "2").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(loop.statusCode()).isEqualTo(503);
            assertThat(loop.body()).contains("relayed 2 times already");
        }
    }

    @Test
    void aLeaderThatCannotBeReachedIsA503NotAHang() throws Exception {
        try (CallbackFixture leader = CallbackFixture.standard(base.resolve("leader"));
             Standby standby = standby(wait -> Optional.of(URI.create("http://127.0.0.1:1")), Duration.ofSeconds(1))) {
            HttpResponse<String> r = post(standby.url(leader, "node-a", "result"), "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("the leading controller at http://127.0.0.1:1 refuses connections and no other took over within 1 s");
            assertThat(List.of(r.headers().firstValue("Retry-After").orElse(""))).containsExactly("5");
        }
    }

    @Test
    void aLeaderWhoseProcessIsGoneIsNoLeaderTheRequestWaitsForTheNextOne() throws Exception {
        try (CallbackFixture leader = CallbackFixture.standard(base.resolve("leader"))) {
            URI dead = URI.create("http://127.0.0.1:1");
            List<URI> excluded = new java.util.concurrent.CopyOnWriteArrayList<>();
            LeaderAddress killedThenReplaced = new LeaderAddress() {
                @Override
                public Optional<URI> await(Duration maxWait) {
                    return Optional.of(dead); // the Lease still names the killed leader
                }

                @Override
                public Optional<URI> awaitOther(URI unreachable, Duration maxWait) {
                    excluded.add(unreachable);
                    return Optional.of(URI.create("http://127.0.0.1:" + leader.server.port())); // another replica took the Lease
                }
            };
            try (Standby standby = standby(killedThenReplaced, Duration.ofSeconds(30))) {
                HttpResponse<String> r = post(standby.url(leader, "node-a", "result"), "application/json",
                        "{\"m\":[{\"value\":7}]}".getBytes(StandardCharsets.UTF_8));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(excluded).containsExactly(dead);
                assertThat(leader.reports.resolve(leader.executionId).resolve("node-a.json")).hasContent("{\"m\":[{\"value\":7}]}");
            }
        }
    }

    @Test
    void aRequestWaitingForALeaderIsHandledHereWhenThisReplicaBecomesTheLeader() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean leads = new java.util.concurrent.atomic.AtomicBoolean();
        try (Standby standby = standby(wait -> Optional.empty(), Duration.ofSeconds(30), leads::get)) {
            EngineHarness h = standby.harness();
            // It ran the execution as the leader, lost the Lease (fenced), and waits to lead again.
            h.store.fenceWith(() -> Optional.empty());
            h.engine.activate();
            String id = ((io.batchjob.core.execution.TriggerOutcome.Started) h.engine.trigger("test")).executionId();
            org.awaitility.Awaitility.await().until(() -> h.backend.request(id, "node-000").isPresent());
            h.store.fenceWith(() -> Optional.of("this controller does not hold the leader Lease"));
            String url = h.backend.request(id, "node-000").orElseThrow().environment().get("CALLBACK_SERVICE_RESULT_URL")
                    .replace("10.0.0.1:8090", "127.0.0.1:" + standby.server().port());
            java.util.concurrent.CompletableFuture<HttpResponse<String>> answer = http.sendAsync(HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"m\":[{\"value\":3}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            org.awaitility.Awaitility.await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> !answer.isDone());

            h.store.fenceWith(() -> Optional.empty()); // this replica took the Lease and its engine runs
            leads.set(true);

            HttpResponse<String> r = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(h.store.fileOf(id, "node-000.json")).hasContent("{\"m\":[{\"value\":3}]}");
        }
    }

}

package io.batchjob.k8s;

import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.execution.TriggerRequest;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.batchjob.testkit.k8s.MockApiServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** kubectl annotate requests on the ConfigMap, handled once, by the leader only, each with an Event. */
class ConfigMapControlTest {

    /** Merge patches of the ConfigMap still to refuse with 422 (as a policy webhook or quota would). */
    private final java.util.concurrent.atomic.AtomicInteger refusePatches = new java.util.concurrent.atomic.AtomicInteger();
    private final MockApiServer api = new MockApiServer() {
        @Override
        public io.fabric8.mockwebserver.http.MockResponse dispatch(io.fabric8.mockwebserver.http.RecordedRequest request) {
            if ("PATCH".equals(request.getMethod()) && request.getPath().startsWith("/api/v1/namespaces/jobs/configmaps/cm")
                    && String.valueOf(request.getHeader("Content-Type")).startsWith("application/merge-patch+json")
                    && refusePatches.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(422).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                        + "\"status\":\"Failure\",\"reason\":\"Invalid\",\"code\":422,\"message\":\"denied by policy\"}");
            }
            return super.dispatch(request);
        }
    }.start();
    private final KubernetesClient client = api.client();

    @TempDir
    Path reports;

    @AfterEach
    void stop() {
        api.close();
    }

    private ConfigMap create(Map<String, String> annotations) {
        return client.configMaps().inNamespace("jobs").resource(new ConfigMapBuilder().withNewMetadata().withName("cm")
                .withAnnotations(annotations).endMetadata().withData(Map.of("config.yaml", "name: scan")).build()).create();
    }

    private ConfigMap current() {
        return client.configMaps().inNamespace("jobs").withName("cm").get();
    }

    private List<String> events() {
        return client.resources(Event.class).inNamespace("jobs").list().getItems().stream()
                .map(e -> e.getType() + " " + e.getReason() + ": " + e.getNote()).toList();
    }

    private ConfigMapControl control(EngineHarness h, ConfigMapEvents events) {
        return new ConfigMapControl(client, "jobs", "cm", h.engine, events);
    }

    private ConfigMapEvents configMapEvents() {
        return new ConfigMapEvents(new KubernetesEventPublisher(client, "jobs", "scan", "controller-0", Clock.systemUTC()), "jobs", "cm");
    }

    @Test
    void aRunValueAlreadyAnsweredByAnExecutionIsRecordedNotRunAgain() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).backend(InMemoryJobBackend.manual()).build();
             ConfigMapEvents events = configMapEvents();
             ConfigMapControl control = control(h, events)) {
            h.engine.activate();
            // An earlier leader started the execution for run=x and stopped before recording it on the ConfigMap.
            String earlier = ((TriggerOutcome.Started) h.engine.trigger(new TriggerRequest("manual", null, "run=x", List.of()))).executionId();
            control.onConfigMap(create(Map.of(ConfigMapControl.RUN, "x")));
            await().until(() -> "x".equals(current().getMetadata().getAnnotations().get(ConfigMapControl.RUN_HANDLED)));
            assertThat(h.store.executionIds()).containsExactly(earlier);
            assertThat(events()).isEmpty();
        }
    }

    @Test
    void aControllerThatIsNotTheLeaderLeavesRequestsToTheLeader() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).backend(InMemoryJobBackend.manual()).build();
             ConfigMapEvents events = configMapEvents();
             ConfigMapControl control = control(h, events)) {
            long looks = control.completedLooks();
            control.onConfigMap(create(Map.of(ConfigMapControl.RUN, "y", ConfigMapControl.RERUN, "latest")));
            await().until(() -> control.completedLooks() > looks);
            assertThat(events.awaitWritten(Duration.ofSeconds(30))).isTrue();
            assertThat(h.store.executionIds()).isEmpty();
            assertThat(current().getMetadata().getAnnotations()).doesNotContainKeys(ConfigMapControl.RUN_HANDLED, ConfigMapControl.RERUN_HANDLED);

            h.engine.activate(); // now it leads
            control.leadershipGained();
            await().until(() -> "y".equals(current().getMetadata().getAnnotations().get(ConfigMapControl.RUN_HANDLED)));
            assertThat(h.store.executionIds()).hasSize(1);
            // The re-run request was taken (the annotation is gone) and refused: the latest execution still runs.
            await().untilAsserted(() -> assertThat(current().getMetadata().getAnnotations()).doesNotContainKey(ConfigMapControl.RERUN));
            assertThat(current().getMetadata().getAnnotations()).containsEntry(ConfigMapControl.RERUN_HANDLED, "latest");
            await().untilAsserted(() -> assertThat(events()).containsExactlyInAnyOrder(
                    "Normal ManualRunAccepted: run 'y' started execution " + h.store.executionIds().get(0),
                    "Warning RerunRefused: re-run of 'latest' refused: execution " + h.store.executionIds().get(0) + " has not finished yet: re-run it once it has"));
        }
    }

    @Test
    void aValueOverTheLimitIsRefusedWithoutAnExecutionAndRecordedByItsDigest() throws Exception {
        String huge = "v".repeat(150_000); // what a script glitch can write: inside the API's 256 KiB, far over any run value
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).backend(InMemoryJobBackend.manual()).build();
             ConfigMapEvents events = configMapEvents();
             ConfigMapControl control = control(h, events)) {
            h.engine.activate();
            control.onConfigMap(create(Map.of(ConfigMapControl.RUN, huge, ConfigMapControl.RERUN, "x".repeat(254))));
            await().untilAsserted(() -> assertThat(events()).containsExactlyInAnyOrder(
                    "Warning ManualRunRefused: run '" + "v".repeat(40) + "... (150000 characters)' refused: a run value may have at most 253 characters",
                    "Warning RerunRefused: re-run of '" + "x".repeat(40) + "... (254 characters)' refused: a re-run value (an execution ID or latest)"
                            + " may have at most 253 characters"));
            Map<String, String> annotations = current().getMetadata().getAnnotations();
            assertThat(annotations.get(ConfigMapControl.RUN_HANDLED)).startsWith("sha256:").hasSize(71);
            assertThat(annotations.get(ConfigMapControl.RERUN_HANDLED)).startsWith("sha256:");
            assertThat(annotations).doesNotContainKey(ConfigMapControl.RERUN);
            assertThat(h.store.executionIds()).isEmpty();
            // Seen again (a restart, a new leader): handled already, nothing happens.
            long looks = control.completedLooks();
            control.onConfigMap(current());
            await().until(() -> control.completedLooks() > looks);
            assertThat(events.awaitWritten(Duration.ofSeconds(30))).isTrue();
            assertThat(events()).hasSize(2);
            // A value of exactly 253 characters is taken.
            String longest = "r".repeat(253);
            client.configMaps().inNamespace("jobs").withName("cm").edit(cm -> new ConfigMapBuilder(cm).editMetadata()
                    .addToAnnotations(ConfigMapControl.RUN, longest).endMetadata().build());
            control.onConfigMap(current());
            await().until(() -> longest.equals(current().getMetadata().getAnnotations().get(ConfigMapControl.RUN_HANDLED)));
            assertThat(h.store.executionIds()).hasSize(1);
        }
    }

    @Test
    void aFailedRecordIsAWarningEventTriedAgainAndDoesNotStopAReRun() throws Exception {
        // The API server refuses the first two merge patches of the ConfigMap (e.g. a webhook, or a quota).
        refusePatches.set(2);
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).backend(InMemoryJobBackend.manual()).build();
             ConfigMapEvents events = configMapEvents();
             ConfigMapControl control = control(h, events)) {
            h.engine.activate();
            control.onConfigMap(create(Map.of(ConfigMapControl.RUN, "r1")));
            // Recorded after the retries, without a new ConfigMap event; the run started once.
            await().atMost(Duration.ofSeconds(30)).until(() -> "r1".equals(current().getMetadata().getAnnotations().get(ConfigMapControl.RUN_HANDLED)));
            assertThat(h.store.executionIds()).hasSize(1);
            assertThat(events()).filteredOn(e -> e.startsWith("Warning RequestNotRecorded: cannot record the run request on the ConfigMap"))
                    .hasSize(2).allSatisfy(e -> assertThat(e).contains("422").contains("denied by policy"));
            assertThat(events()).anySatisfy(e -> assertThat(e).contains("(trying again in 2s)"))
                    .anySatisfy(e -> assertThat(e).contains("(trying again in 4s)"));
        }
    }

    @Test
    void aRunWhoseRecordFailsDoesNotStopAReRunRequest() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).backend(InMemoryJobBackend.manual()).build();
             ConfigMapEvents events = configMapEvents();
             ConfigMapControl control = control(h, events)) {
            h.engine.activate();
            String first = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(first).size() == 1);
            h.backend.end(first, "a", io.batchjob.core.spi.JobEnd.failed("exit 1"));
            await().until(() -> h.engine.progress().isEmpty());
            refusePatches.set(1);
            h.clock.advance(Duration.ofSeconds(1));
            // run=r2 starts an execution but cannot be recorded at first; the re-run of the first is still taken.
            control.onConfigMap(create(Map.of(ConfigMapControl.RUN, "r2", ConfigMapControl.RERUN, first)));
            await().untilAsserted(() -> assertThat(current().getMetadata().getAnnotations()).containsEntry(ConfigMapControl.RERUN_HANDLED, first)
                    .doesNotContainKey(ConfigMapControl.RERUN));
            await().untilAsserted(() -> assertThat(events()).anySatisfy(e -> assertThat(e).startsWith("Warning RequestNotRecorded"))
                    .anySatisfy(e -> assertThat(e).contains("re-run of '" + first + "'")));
            await().atMost(Duration.ofSeconds(30)).until(() -> "r2".equals(current().getMetadata().getAnnotations().get(ConfigMapControl.RUN_HANDLED)));
        }
    }

    @Test
    void aRunRefusedByForbidIsAWarningEventAndStillHandledOnce() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).backend(InMemoryJobBackend.manual())
                .concurrencyPolicy(io.batchjob.core.config.ConcurrencyPolicy.FORBID).build();
             ConfigMapEvents events = configMapEvents();
             ConfigMapControl control = control(h, events)) {
            h.engine.activate();
            String running = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            control.onConfigMap(create(Map.of(ConfigMapControl.RUN, "z")));
            await().untilAsserted(() -> assertThat(events()).contains("Warning ManualRunRefused: run 'z' refused: execution " + running
                    + " is still running (concurrencyPolicy: Forbid)"));
            await().until(() -> "z".equals(current().getMetadata().getAnnotations().get(ConfigMapControl.RUN_HANDLED)));
            long looks = control.completedLooks();
            control.onConfigMap(current());
            await().until(() -> control.completedLooks() > looks);
            assertThat(h.store.executionIds()).hasSize(1);
        }
    }
}

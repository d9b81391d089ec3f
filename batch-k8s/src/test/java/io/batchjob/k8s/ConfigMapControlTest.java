package io.batchjob.k8s;

import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.execution.TriggerRequest;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
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

    private final MockApiServer api = new MockApiServer().start();
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
            control.onConfigMap(create(Map.of(ConfigMapControl.RUN, "y", ConfigMapControl.RERUN, "latest")));
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> h.store.executionIds().isEmpty());
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
            control.onConfigMap(current());
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> h.store.executionIds().size() == 1);
        }
    }
}

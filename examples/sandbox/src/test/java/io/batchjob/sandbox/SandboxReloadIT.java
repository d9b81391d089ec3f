package io.batchjob.sandbox;

import io.batchjob.app.Listen;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.report.ReportStore;
import io.batchjob.k8s.ConfigMapControl;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live reload of the ConfigMap in the sandbox cluster: an invalid change while an execution runs
 * is refused with a Warning Event naming every problem (the metric counts it, readiness stays),
 * a valid change applies from the next trigger (pool size, template, gauges, resuming a
 * suspended schedule), and restart-only keys are warned about.
 */
class SandboxReloadIT {

    private static final String CONFIG = """
            name: reload
            podPoolSize: 1
            cronExpression: "@every 1s"
            suspend: true
            metrics:
              prefix: reload
            """;

    private static final String TEMPLATE = """
            apiVersion: v1
            kind: Pod
            metadata:
              labels: {template: one}
            spec:
              containers:
                - name: job
                  image: busybox
            """;

    @TempDir
    Path reports;

    private static void setConfig(KubernetesClient client, String config, String template) {
        client.configMaps().inNamespace(SandboxCluster.NAMESPACE).withName(SandboxCluster.CONFIG_MAP).edit(cm -> new ConfigMapBuilder(cm)
                .withData(Map.of("config.yaml", config, "pod-template.yaml", template)).build());
    }

    private static List<String> events(KubernetesClient client) {
        return client.resources(Event.class).inNamespace(SandboxCluster.NAMESPACE).list().getItems().stream()
                .filter(e -> "ConfigMap".equals(e.getRegarding().getKind()))
                .map(e -> e.getType() + " " + e.getReason() + ": " + e.getNote()).toList();
    }

    private static String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int status(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void invalidChangesAreRefusedWhileRunningAndValidOnesApplyFromTheNextTrigger() throws Exception {
        ReportStore store = new ReportStore(reports);
        java.util.concurrent.atomic.AtomicReference<String> firstExecution = new java.util.concurrent.atomic.AtomicReference<>();
        try (SandboxCluster sandbox = SandboxCluster.start(2, CONFIG, TEMPLATE, reports, Listen.loopbackAnyPort(), pod -> {
            // The first execution's jobs keep running (until it is replaced); later ones succeed.
            String execution = pod.getMetadata().getLabels().get("batch-job-controller.bakito.github.com/execution-id");
            firstExecution.compareAndSet(null, execution);
            return execution.equals(firstExecution.get()) ? SimulatedKubelet.Behaviour.HOLD_RUNNING : SimulatedKubelet.Behaviour.SUCCEED;
        })) {
            KubernetesClient client = sandbox.client();
            int metrics = sandbox.controller().metricsPort();
            int health = sandbox.controller().healthPort();
            await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.controller().isLeader());

            // An execution runs (pool 1: one job at a time).
            client.configMaps().inNamespace(SandboxCluster.NAMESPACE).withName(SandboxCluster.CONFIG_MAP).edit(cm -> new ConfigMapBuilder(cm)
                    .editMetadata().addToAnnotations(ConfigMapControl.RUN, "one").endMetadata().build());
            await().atMost(Duration.ofSeconds(20)).until(() -> store.executionIds().size() == 1);
            String first = store.executionIds().get(0);

            // An invalid change while it runs: refused, every problem named, the old config stays.
            setConfig(client, CONFIG.replace("podPoolSize: 1", "podPoolSize: -3\njobTimeout: soon"), TEMPLATE);
            await().atMost(Duration.ofSeconds(20)).until(() -> events(client).stream().anyMatch(e -> e.startsWith("Warning ConfigRefused")));
            String refused = events(client).stream().filter(e -> e.startsWith("Warning ConfigRefused")).findFirst().orElseThrow();
            assertThat(refused).contains("podPoolSize").contains("jobTimeout");
            assertThat(get(metrics, "/metrics")).contains("batch_job_controller_config_reload_failures_total 1.0");
            assertThat(status(health, "/readyz")).isEqualTo(200);
            assertThat(sandbox.controller().config().podPoolSize()).isEqualTo(1);
            assertThat(sandbox.controller().engine().progress().orElseThrow().executionId()).isEqualTo(first);

            // A valid change: pool 2, a new template label, a gauge, resumed schedule; and a restart-only key.
            String next = CONFIG.replace("podPoolSize: 1", "podPoolSize: 2").replace("suspend: true", "suspend: false")
                    .replace("name: reload", "name: renamed").replace("prefix: reload", "prefix: reload\n  gauges:\n    found: {labels: [kind]}")
                    .replace("@every 1s", "@every 2s");
            setConfig(client, next, TEMPLATE.replace("template: one", "template: two"));
            await().atMost(Duration.ofSeconds(20)).until(() -> events(client).stream().anyMatch(e -> e.startsWith("Normal ConfigApplied")));
            assertThat(events(client)).anyMatch(e -> e.startsWith("Normal ConfigApplied: the changed config applies from the next trigger: ")
                            && e.contains("cronExpression") && e.contains("suspend") && e.contains("podPoolSize") && e.contains("metrics.gauges"))
                    .contains("Warning ConfigNeedsRestart: these keys change only after a restart of the controller: name",
                            "Normal Resumed: scheduled triggers resume from the next tick (missed ticks do not fire)");
            assertThat(sandbox.controller().config().name()).as("name needs a restart").isEqualTo("reload");
            assertThat(sandbox.controller().config().metrics().gauges()).containsKey("found");

            // The running execution kept pool 1, so one of its jobs still waits for a slot: the resumed schedule does not
            // replace it (concurrencyPolicy Replace, as Go: "still launching"); an operator's run does, on the new config.
            await().atMost(Duration.ofSeconds(30)).until(() -> events(client).stream()
                    .anyMatch(e -> e.startsWith("Normal TriggerSkipped: trigger (schedule) skipped: execution " + first + " is still launching")));
            assertThat(store.executionIds()).containsExactly(first);
            client.configMaps().inNamespace(SandboxCluster.NAMESPACE).withName(SandboxCluster.CONFIG_MAP).edit(cm -> new ConfigMapBuilder(cm)
                    .editMetadata().addToAnnotations(ConfigMapControl.RUN, "two").endMetadata().build());
            await().atMost(Duration.ofSeconds(30)).until(() -> store.executionIds().size() >= 2);
            String second = store.executionIds().get(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> store.hasFile(second, ExecutionEngine.SUMMARY_FILE));
            List<Pod> pods = client.pods().inNamespace(SandboxCluster.NAMESPACE)
                    .withLabel("batch-job-controller.bakito.github.com/execution-id", second).list().getItems();
            assertThat(pods).isNotEmpty().allSatisfy(p -> assertThat(p.getMetadata().getLabels()).containsEntry("template", "two"));
            assertThat(events(client)).noneMatch(e -> e.contains("ConfigRefused") && !e.equals(refused));
        }
    }
}

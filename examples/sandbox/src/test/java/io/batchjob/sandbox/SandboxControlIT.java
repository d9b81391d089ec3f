package io.batchjob.sandbox;

import io.batchjob.app.Listen;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.k8s.ConfigMapControl;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Operator control in the sandbox cluster, as {@code kubectl annotate} does it (a merge patch of
 * the ConfigMap's annotations): run now while suspended, a re-run of the nodes that did not
 * succeed, a refused re-run, and requests handled once across a restart of the controller.
 */
class SandboxControlIT {

    /** A tick every 2 s, suspended: no scheduled execution may start. */
    private static final String CONFIG = """
            name: control
            podPoolSize: 3
            cronExpression: "@every 2s"
            suspend: true
            """;

    /** Node 1 reports, node 2 exits 1, node 3 ends without a report. */
    private static final String TEMPLATE = """
            apiVersion: v1
            kind: Pod
            spec:
              containers:
                - name: job
                  image: curlimages/curl
                  command: [sh, -c]
                  args:
                    - |
                      set -e
                      case "$NODE_NAME" in sandbox-node-2) exit 1;; sandbox-node-3) exit 0;; esac
                      curl -sS -f -X POST --data-binary '{"m":[{"value":1}]}' "$CALLBACK_SERVICE_RESULT_URL"
            """;

    @TempDir
    Path reports;

    private static String get(int port, String path) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + port + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void annotate(KubernetesClient client, String key, String value) {
        // What kubectl annotate --overwrite sends.
        client.configMaps().inNamespace(SandboxCluster.NAMESPACE).withName(SandboxCluster.CONFIG_MAP).edit(cm -> new ConfigMapBuilder(cm)
                .editMetadata().addToAnnotations(key, value).endMetadata().build());
    }

    private static Map<String, String> annotations(KubernetesClient client) {
        ConfigMap cm = client.configMaps().inNamespace(SandboxCluster.NAMESPACE).withName(SandboxCluster.CONFIG_MAP).get();
        return cm.getMetadata().getAnnotations() == null ? Map.of() : cm.getMetadata().getAnnotations();
    }

    private static List<String> events(KubernetesClient client) {
        return client.resources(Event.class).inNamespace(SandboxCluster.NAMESPACE).list().getItems().stream()
                .filter(e -> "ConfigMap".equals(e.getRegarding().getKind()))
                .map(e -> e.getType() + " " + e.getReason() + ": " + e.getNote()).toList();
    }

    private ExecutionSummary awaitSummary(ReportStore store, String id) {
        await().atMost(Duration.ofSeconds(60)).until(() -> store.hasFile(id, ExecutionEngine.SUMMARY_FILE));
        return store.readJson(id, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class).orElseThrow();
    }

    @Test
    void runNowAndRerunWorkWhileSuspendedAndEachRequestIsHandledOnce() throws Exception {
        ReportStore store = new ReportStore(reports);
        String first;
        try (SandboxCluster sandbox = SandboxCluster.start(3, CONFIG, TEMPLATE, reports, Listen.loopbackAnyPort(),
                p -> SimulatedKubelet.Behaviour.RUN_COMMAND)) {
            KubernetesClient client = sandbox.client();
            await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.controller().isLeader());
            // Suspended: several ticks of "@every 2s" pass without an execution.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() -> store.executionIds().isEmpty());

            // Run now works while suspended.
            annotate(client, ConfigMapControl.RUN, "first");
            await().atMost(Duration.ofSeconds(30)).until(() -> store.executionIds().size() == 1);
            first = store.executionIds().get(0);
            ExecutionSummary summary = awaitSummary(store, first);
            assertThat(summary.cause()).isEqualTo("manual");
            assertThat(summary.jobs()).extracting(JobSummary::outcome)
                    .containsExactly(JobOutcome.SUCCEEDED, JobOutcome.FAILED, JobOutcome.NO_REPORT);
            await().until(() -> "first".equals(annotations(client).get(ConfigMapControl.RUN_HANDLED)));

            // Re-run the nodes that did not succeed.
            annotate(client, ConfigMapControl.RERUN, "latest");
            await().atMost(Duration.ofSeconds(30)).until(() -> store.executionIds().size() == 2);
            String rerun = store.executionIds().get(1);
            ExecutionPlan plan = store.readJson(rerun, ExecutionEngine.PLAN_FILE, ExecutionPlan.class).orElseThrow();
            assertThat(plan.cause()).isEqualTo("rerun:" + first);
            assertThat(plan.nodes()).containsExactly("sandbox-node-2", "sandbox-node-3");
            awaitSummary(store, rerun);
            await().until(() -> !annotations(client).containsKey(ConfigMapControl.RERUN));
            assertThat(annotations(client)).containsEntry(ConfigMapControl.RERUN_HANDLED, "latest");

            // The status API shows both, newest first, with the re-run's nodes.
            String list = get(sandbox.controller().reportPort(), "/api/executions");
            assertThat(list.indexOf("\"executionId\" : \"" + rerun + "\"")).isLessThan(list.indexOf("\"executionId\" : \"" + first + "\""));
            assertThat(list).contains("\"cause\" : \"rerun:" + first + "\"").contains("\"state\" : \"FINISHED\"");
            String detail = get(sandbox.controller().reportPort(), "/api/executions/" + first);
            assertThat(detail).contains("\"node\" : \"sandbox-node-1\"").contains("\"outcome\" : \"SUCCEEDED\"")
                    .contains("\"files\" : [ \"sandbox-node-1.json\" ]");

            // An unknown execution: a Warning Event, nothing started.
            annotate(client, ConfigMapControl.RERUN, "20991231235959");
            await().atMost(Duration.ofSeconds(20)).until(() -> events(client).stream().anyMatch(e -> e.startsWith("Warning RerunRefused")));
            assertThat(store.executionIds()).hasSize(2);
            await().until(() -> events(client).size() >= 3);
            assertThat(events(client)).contains(
                    "Normal ManualRunAccepted: run 'first' started execution " + first,
                    "Normal RerunStarted: re-run of 'latest' started execution " + rerun,
                    "Warning RerunRefused: re-run of '20991231235959' refused: execution '20991231235959' is not in the report history");
        }

        // A new controller (a restart, or the next leader) on the same ConfigMap and reports: nothing is run again.
        try (SandboxCluster again = SandboxCluster.start(3, CONFIG, TEMPLATE, reports, Listen.loopbackAnyPort(),
                p -> SimulatedKubelet.Behaviour.RUN_COMMAND)) {
            KubernetesClient client = again.client();
            await().atMost(Duration.ofSeconds(30)).until(() -> again.controller().isLeader());
            // This sandbox is a fresh API server: give its ConfigMap the annotations the first one ended with.
            annotate(client, ConfigMapControl.RUN, "first");
            annotate(client, ConfigMapControl.RUN_HANDLED, "first");
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> store.executionIds().size() == 2);
            // A value recorded only in a plan (the controller stopped before recording it on the ConfigMap) is not run again either.
            client.configMaps().inNamespace(SandboxCluster.NAMESPACE).withName(SandboxCluster.CONFIG_MAP).edit(cm -> new ConfigMapBuilder(cm)
                    .editMetadata().removeFromAnnotations(ConfigMapControl.RUN_HANDLED).endMetadata().build());
            await().atMost(Duration.ofSeconds(20)).until(() -> "first".equals(annotations(client).get(ConfigMapControl.RUN_HANDLED)));
            assertThat(store.executionIds()).hasSize(2);
            assertThat(store.executionIds().get(0)).isEqualTo(first);
        }
    }
}

package io.batchjob.sandbox;

import io.batchjob.app.Listen;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** End to end through the sandbox wiring: 6 nodes, pool 2, every kind of outcome, a forged callback. */
class SandboxE2EIT {

    private static final String CONFIG = """
            name: e2e
            podPoolSize: 2
            savePodLog: true
            jobTimeout: 6s
            cronExpression: ""
            metrics:
              prefix: e2e
              gauges:
                my_metric: {help: a metric, labels: [label_a, label_b]}
            """;

    /** nodes 1-3 report everything; 4 reports then exits 1; 5 never reports; 6 hangs (held running by the kubelet). */
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
                      echo "job on $NODE_NAME"
                      case "$NODE_NAME" in sandbox-node-5) exit 0;; esac
                      curl -sS -f -X POST -H 'Content-Type: application/json' \\
                        --data-binary "{\\"my_metric\\":[{\\"value\\":1.0,\\"labels\\":{\\"label_a\\":\\"AAA\\",\\"label_b\\":\\"$NODE_NAME\\"}}]}" \\
                        "$CALLBACK_SERVICE_RESULT_URL"
                      case "$NODE_NAME" in sandbox-node-4) exit 1;; esac
                      echo "hello from $NODE_NAME" | curl -sS -f -X POST -H 'Content-Disposition: attachment;filename="test.txt"' \\
                        --data-binary @- "$CALLBACK_SERVICE_FILE_URL"
                      curl -sS -f -X POST --data-binary '{"reason":"TestReason","message":"m: %s","args":["a1"]}' "$CALLBACK_SERVICE_EVENT_URL"
            """;

    @TempDir
    Path reports;

    private static String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void everyOutcomeEndsAndIsReportedEverywhere() throws Exception {
        try (SandboxCluster cluster = SandboxCluster.start(6, CONFIG, TEMPLATE, reports, Listen.loopbackAnyPort(),
                pod -> pod.getSpec().getNodeName().equals("sandbox-node-6") ? SimulatedKubelet.Behaviour.HOLD_RUNNING
                        : SimulatedKubelet.Behaviour.RUN_COMMAND)) {
            cluster.controller().leadership().get(60, TimeUnit.SECONDS);
            TriggerOutcome.Started started = (TriggerOutcome.Started) cluster.controller().engine().trigger("manual");
            String id = started.executionId();

            // While node 6 hangs, another pod tries to post for it without its secret.
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.client().pods().inNamespace("sandbox").list().getItems().stream()
                    .anyMatch(p -> "sandbox-node-6".equals(p.getSpec().getNodeName()) && p.getStatus() != null
                            && "Running".equals(p.getStatus().getPhase())));
            HttpResponse<String> forged = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + cluster.controller().callbackPort() + "/report/sandbox-node-6/" + id + "/result"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"my_metric\":[{\"value\":666}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(reports.resolve(id).resolve("sandbox-node-6.json")).doesNotExist();

            ExecutionSummary summary = started.completion().get(120, TimeUnit.SECONDS);

            Map<String, JobOutcome> outcomes = summary.jobs().stream().collect(Collectors.toMap(JobSummary::node, JobSummary::outcome));
            assertThat(outcomes).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "sandbox-node-1", JobOutcome.SUCCEEDED, "sandbox-node-2", JobOutcome.SUCCEEDED, "sandbox-node-3", JobOutcome.SUCCEEDED,
                    "sandbox-node-4", JobOutcome.FAILED, "sandbox-node-5", JobOutcome.NO_REPORT, "sandbox-node-6", JobOutcome.TIMED_OUT));
            Path dir = reports.resolve(id);
            for (int i = 1; i <= 3; i++) {
                String node = "sandbox-node-" + i;
                assertThat(dir.resolve(node + ".json")).exists();
                assertThat(dir.resolve(node + "-test.txt")).hasContent("hello from " + node);
                assertThat(Files.readString(dir.resolve(node + "-container-job.log"))).startsWith("job on " + node);
            }
            assertThat(dir.resolve("sandbox-node-4-container-job.log")).exists();
            assertThat(reports.resolve(".controller").resolve(dir.getFileName()).resolve("_summary.json")).exists();

            String metrics = get(cluster.controller().metricsPort(), "/metrics");
            assertThat(metrics).contains("e2e_my_metric{executionID=\"" + id + "\",label_a=\"AAA\",label_b=\"sandbox-node-2\",node=\"sandbox-node-2\"} 1.0");
            for (int i = 1; i <= 6; i++) {
                assertThat(metrics).contains("e2e_processing{executionID=\"" + id + "\",node=\"sandbox-node-" + i + "\"} " + (i <= 3 ? "0.0" : "1.0"));
            }
            // The job pods' Events (the Lease has its LeaderElection Event besides).
            List<Event> events = cluster.client().resources(Event.class).inNamespace("sandbox").list().getItems().stream()
                    .filter(e -> "Pod".equals(e.getRegarding().getKind())).toList();
            Map<String, String> podByNode = cluster.client().pods().inNamespace("sandbox").list().getItems().stream()
                    .collect(Collectors.toMap(p -> p.getSpec().getNodeName(), p -> p.getMetadata().getName()));
            assertThat(events).extracting(e -> e.getRegarding().getName()).containsExactlyInAnyOrder(
                    podByNode.get("sandbox-node-1"), podByNode.get("sandbox-node-2"), podByNode.get("sandbox-node-3"));
            assertThat(events).allSatisfy(e -> {
                assertThat(e.getReason()).isEqualTo("TestReason");
                assertThat(e.getNote()).isEqualTo("m: a1");
            });
            assertThat(podByNode).doesNotContainKey("sandbox-node-6"); // the timed-out pod was deleted
            // The printed kubeconfig works for a Kubernetes client (what kubectl --kubeconfig would use).
            try (var viaKubeconfig = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                    .withConfig(io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(cluster.kubeconfig()))).build()) {
                assertThat(viaKubeconfig.pods().list().getItems()).hasSize(podByNode.size());
                assertThat(viaKubeconfig.services().withName("batch-job-controller").get()).isNotNull();
            }
        }
    }

}

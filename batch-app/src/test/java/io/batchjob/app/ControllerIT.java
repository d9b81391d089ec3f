package io.batchjob.app;

import io.batchjob.testkit.k8s.MockApiServer;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole controller against the CRUD mock API server: the simulated kubelet runs each job pod's
 * script locally, and the script calls the controller back with curl on the injected URLs.
 */
class ControllerIT {

    /** The CRUD mock, answering the controller's start-up dry run of the pod template without storing a pod. */
    private final MockApiServer api = new MockApiServer().start();
    private final KubernetesClient client = api.client();

    @AfterEach
    void stopApiServer() {
        api.close();
    }

    @TempDir
    Path reports;

    private static final String CONFIG = """
            name: e2e
            podPoolSize: 2
            runOnStartup: true
            startupDelay: 0s
            cronExpression: ""
            metrics:
              prefix: e2e
              gauges:
                my_metric: {help: a metric, labels: [label_a]}
            """;

    private static final String TEMPLATE = """
            apiVersion: v1
            kind: Pod
            spec:
              containers:
                - name: job
                  image: busybox
                  command: [sh, -c]
                  args:
                    - |
                      set -e
                      curl -sS -f -X POST -H 'Content-Type: application/json' \\
                        --data-binary "{\\"my_metric\\":[{\\"value\\":1.0,\\"labels\\":{\\"label_a\\":\\"$NODE_NAME\\"}}]}" "$CALLBACK_SERVICE_RESULT_URL"
                      echo "report of $NODE_NAME" | curl -sS -f -X POST --data-binary @- "$CALLBACK_SERVICE_FILE_URL?name=report.txt"
                      curl -sS -f -X POST --data-binary '{"reason":"Scanned","message":"scanned %s","args":["{{.NodeName}}"]}' "$CALLBACK_SERVICE_EVENT_URL"
            """;

    private String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private int status(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void runsAnExecutionEndToEndAndServesReportsMetricsAndHealth() throws Exception {
        client.configMaps().inNamespace("jobs").resource(new ConfigMapBuilder().withNewMetadata().withName("e2e-config").endMetadata()
                .withData(Map.of("config.yaml", CONFIG, "pod-template.yaml", TEMPLATE)).build()).create();
        for (String node : List.of("node-a", "node-b", "node-c")) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().withNewStatus()
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        }
        ControllerEnvironment env = ControllerEnvironment.from(Map.of("NAMESPACE", "jobs", "CONFIG_MAP_NAME", "e2e-config",
                "POD_IP", "127.0.0.1", "HOSTNAME", "e2e-controller", "REPORT_DIRECTORY", reports.toString()));
        try (SimulatedKubelet kubelet = new SimulatedKubelet(client, "jobs", p -> SimulatedKubelet.Behaviour.RUN_COMMAND).start();
             Controller controller = Controller.start(env, client, Listen.loopbackAnyPort(), Clock.systemUTC())) {

            await().atMost(Duration.ofSeconds(30)).until(() -> controller.isLeader());
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(reports.resolve("latest"))
                    && Files.exists(reports.resolve(".controller").resolve(Files.readSymbolicLink(reports.resolve("latest"))).resolve("_summary.json")));
            String id = Files.readSymbolicLink(reports.resolve("latest")).toString();

            String summary = Files.readString(reports.resolve(".controller").resolve(id).resolve("_summary.json"));
            assertThat(summary).contains("\"SUCCEEDED\" : 3");
            for (String node : List.of("node-a", "node-b", "node-c")) {
                assertThat(reports.resolve(id).resolve(node + ".json")).exists();
                assertThat(reports.resolve(id).resolve(node + "-report.txt")).hasContent("report of " + node);
            }
            assertThat(kubelet.output()).hasSize(3);

            await().untilAsserted(() -> assertThat(get(controller.metricsPort(), "/metrics"))
                    .contains("e2e_my_metric{executionID=\"" + id + "\",label_a=\"node-a\",node=\"node-a\"} 1.0")
                    .contains("e2e_processing{executionID=\"" + id + "\",node=\"node-b\"} 0.0")
                    .contains("batch_job_controller_executions_total{result=\"success\"} 1.0")
                    .contains("jvm_memory_used_bytes"));
            assertThat(status(controller.healthPort(), "/readyz")).isEqualTo(200);
            assertThat(status(controller.healthPort(), "/healthz")).isEqualTo(200);
            assertThat(get(controller.reportPort(), "/latest/")).contains("node-c-report.txt");
            // The job pods' Events (the Lease has its LeaderElection Event besides).
            List<Event> events = client.resources(Event.class).inNamespace("jobs").list().getItems().stream()
                    .filter(e -> "Pod".equals(e.getRegarding().getKind())).toList();
            assertThat(events).extracting(Event::getReason).containsOnly("Scanned").hasSize(3);
            assertThat(events).extracting(Event::getNote).containsExactlyInAnyOrder("scanned node-a", "scanned node-b", "scanned node-c");
            // The Lease of the leader.
            assertThat(client.leases().inNamespace("jobs").withName("e2e-leader-election").get().getSpec().getHolderIdentity())
                    .isEqualTo("e2e-controller");
        }
    }
}

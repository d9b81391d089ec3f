package io.batchjob.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import io.batchjob.app.helm.HelmChart;
import io.batchjob.testkit.k8s.Kubectl;
import io.batchjob.testkit.k8s.TestNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Go project's end-to-end test, on our controller and a real node: the chart installed with
 * {@code cronExpression: "* * * * *"} and our image (target/batch-job-controller-image.tar, which
 * this module's package phase builds with Jib); the controller pods start from it (non-root,
 * read-only root file system), one leads, the job pod runs the chart's job script on the node and
 * reaches Succeeded, what it sends arrives over the pod network, and no controller logs an error.
 */
class ChartRealNodeIT {

    private static final Path IMAGE = Path.of("target", "batch-job-controller-image.tar").toAbsolutePath();
    private static final String OWNER = "batch-job-controller.bakito.github.com/owner";
    /** The chart's default job (files/run.sh) plus a file and an Event, as the sandbox's job sends them. */
    private static final String SCRIPT = """
            #!/bin/sh
            set -e
            curl -sS -f -X POST -H 'Content-Type: application/json' \\
              --data-binary "{\\"my_metric\\":[{\\"value\\":1.0,\\"labels\\":{\\"label_a\\":\\"$NODE_NAME\\"}}]}" "$CALLBACK_SERVICE_RESULT_URL"
            echo "checked $NODE_NAME" | curl -sS -f -X POST -H 'Content-Disposition: attachment;filename="check.txt"' \\
              --data-binary @- "$CALLBACK_SERVICE_FILE_URL"
            curl -sS -f -X POST -H 'Content-Type: application/json' \\
              --data-binary '{"warning": false, "reason": "Checked", "message": "checked %s", "args": ["the node"]}' "$CALLBACK_SERVICE_EVENT_URL"
            echo "job done on $NODE_NAME"
            """;

    private static TestNode node;
    private static KubernetesClient admin;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startNode() {
        TestNode.requireBuilt();
        assertThat(IMAGE).as("the image mvn package builds").exists();
        node = TestNode.start(IMAGE);
        admin = node.admin();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    /**
     * Installs the chart as the Go e2e test does ({@code cronExpression: "* * * * *"}), with our image (the chart's
     * default) and the node's job image; no PersistentVolume provisioner runs here, so reports are on emptyDir.
     *
     * @param script the job script, or null for the chart's own files/run.sh (and its example gauge)
     */
    private static void install(String namespace, int replicas, String script) {
        var install = new Helm(HelmChart.DIR).install().withName("e2e").withNamespace(namespace).createNamespace()
                .withKubeConfig(node.api().adminKubeconfig())
                .set("deployment.replicas", replicas)
                // The Go chart's key, as the Go e2e values set it.
                .set("deployment.cronExpression", "* * * * *")
                .set("persistence.enabled", false)
                .set("jobPod.image", "batch-test/job:1")
                .set("jobPod.imagePullPolicy", "Never");
        if (script != null) {
            install = install.set("jobPod.script", script)
                    .set("config.metrics.gauges.my_metric.help", "one value per node")
                    .set("config.metrics.gauges.my_metric.labels[0]", "label_a");
        }
        install.call();
    }

    private static List<Pod> controllers(String namespace) {
        return admin.pods().inNamespace(namespace).list().getItems().stream()
                .filter(p -> p.getMetadata().getLabels() == null || !p.getMetadata().getLabels().containsKey(OWNER)).toList();
    }

    /** Waits for a Succeeded job pod and prints its log, as the Go e2e test does. */
    private static Pod succeededJob(String namespace) throws Exception {
        Pod job = await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() -> admin.pods().inNamespace(namespace)
                .withLabel(OWNER).list().getItems().stream().filter(p -> "Succeeded".equals(p.getStatus().getPhase())).findFirst()
                .orElse(null), Objects::nonNull);
        String log = Kubectl.with(node.api().adminKubeconfig()).run("-n", namespace, "logs", job.getMetadata().getName());
        System.out.println("job pod " + job.getMetadata().getName() + " log:\n" + log);
        assertThat(log).contains("result stored for node " + TestNode.NAME);
        return job;
    }

    private static String env(Pod pod, String name) {
        return pod.getSpec().getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue)
                .findFirst().orElseThrow();
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }

    /** Every controller pod's log, read through the kubelet: JSON lines, none at level ERROR. */
    private static void assertNoErrorInTheControllersLogs(String namespace) throws Exception {
        for (Pod pod : controllers(namespace)) {
            String log = Kubectl.with(node.api().adminKubeconfig()).run("-n", namespace, "logs", pod.getMetadata().getName());
            assertThat(log).as("log of " + pod.getMetadata().getName()).isNotBlank();
            log.lines().forEach(line -> {
                String level;
                try {
                    level = JSON.readTree(line).path("level").asText("");
                } catch (Exception notJson) {
                    level = line.contains("ERROR") ? "ERROR" : "";
                }
                assertThat(level).as("%s: %s", pod.getMetadata().getName(), line).isNotEqualTo("ERROR");
            });
        }
    }

    @Test
    void theGoEndToEndScenarioTwoReplicasJobsCallBackThroughTheServiceAndTheLeaderHasEverything() throws Exception {
        String namespace = "e2e-service";
        install(namespace, 2, SCRIPT);

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(controllers(namespace))
                .hasSize(2).allSatisfy(p -> assertThat(p.getStatus().getConditions()).anySatisfy(c -> {
                    assertThat(c.getType()).isEqualTo("Ready");
                    assertThat(c.getStatus()).isEqualTo("True");
                })));
        Pod controller = controllers(namespace).get(0);
        assertThat(controller.getSpec().getContainers().get(0).getImage()).isEqualTo("batch-job-controller:" + HelmChart.chartAppVersion());
        assertThat(controller.getStatus().getContainerStatuses().get(0).getImageID()).as("started from the imported image").isNotBlank();

        Pod job = succeededJob(namespace);
        String service = admin.services().inNamespace(namespace).list().getItems().get(0).getSpec().getClusterIP();
        assertThat(URI.create(env(job, "CALLBACK_SERVICE_RESULT_URL")).getHost()).as("no POD_IP with 2 replicas: the Service")
                .isEqualTo(service);

        Lease lease = await().atMost(Duration.ofSeconds(60)).until(() -> admin.leases().inNamespace(namespace).list().getItems().stream()
                .filter(l -> l.getSpec().getHolderIdentity() != null).findFirst().orElse(null), Objects::nonNull);
        Pod leader = admin.pods().inNamespace(namespace).withName(lease.getSpec().getHolderIdentity()).get();
        String executionId = env(job, "EXECUTION_ID");
        String reports = "http://" + leader.getStatus().getPodIP() + ":8080";
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode execution = JSON.readTree(get(reports + "/api/executions/" + executionId));
            assertThat(execution.toString()).contains(TestNode.NAME);
            assertThat(get(reports + "/" + executionId + "/" + TestNode.NAME + "-check.txt")).isEqualTo("checked " + TestNode.NAME + "\n");
        });
        // The dashboard: the execution on its start page, the node's files on the execution's page.
        assertThat(get(reports + "/")).contains(executionId);
        assertThat(get(reports + "/" + executionId + "/")).contains(TestNode.NAME + "-check.txt", TestNode.NAME + ".json");
        assertThat(get("http://" + leader.getStatus().getPodIP() + ":9153/metrics"))
                .containsPattern("my_metric\\{[^}]*label_a=\"" + TestNode.NAME + "\"[^}]*\\} 1\\.0");
        List<Event> events = admin.resources(Event.class).inNamespace(namespace).list().getItems();
        assertThat(events).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("Checked");
            assertThat(e.getNote()).isEqualTo("checked the node");
            assertThat(e.getRegarding().getName()).isEqualTo(job.getMetadata().getName());
        });
        assertNoErrorInTheControllersLogs(namespace);
    }

    @Test
    void withOneReplicaAndTheChartsOwnRunShJobsCallBackAtTheControllersPodIpFromTheDownwardApi() throws Exception {
        String namespace = "e2e-pod-ip";
        install(namespace, 1, null);

        Pod job = succeededJob(namespace);
        Pod controller = controllers(namespace).get(0);
        assertThat(URI.create(env(job, "CALLBACK_SERVICE_RESULT_URL")).getHost()).as("POD_IP, filled in by the kubelet")
                .isEqualTo(controller.getStatus().getPodIP());
        assertThat(get("http://" + controller.getStatus().getPodIP() + ":9153/metrics"))
                .containsPattern("my_metric\\{[^}]*label_a=\"" + TestNode.NAME + "\"[^}]*\\} 1\\.0");
        assertNoErrorInTheControllersLogs(namespace);
    }
}

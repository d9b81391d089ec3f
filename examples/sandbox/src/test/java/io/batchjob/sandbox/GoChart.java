package io.batchjob.sandbox;

import io.batchjob.app.Controller;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Go controller's example chart as a migrating user has it — its ConfigMap's {@code config.yaml}
 * ({@code jobImagePullSecrets: {}}, {@code callbackServiceName}, gauge {@code my_metric} with
 * {@code label_a}/{@code label_b}), its job pod template (running {@code run.sh} mounted from the
 * ConfigMap) and its {@code run.sh} (prints its environment, posts a result, uploads a file with
 * {@code ?name=}, creates an event) — and what must hold after the controller ran it, unchanged.
 */
final class GoChart {

    static final String CONFIG_MAP = "example-batch-job-controller";
    static final String NAME = "example-batch-job-controller";
    static final String RESULT = "{ \"my_metric\": [{ \"value\": 1.0, \"labels\": { \"label_a\": \"AAA\", \"label_b\": \"BBB\" }}] }";

    private GoChart() {
    }

    static String resource(String name) {
        try (InputStream in = GoChart.class.getResourceAsStream("go-chart/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The chart's ConfigMap data: config.yaml, pod-template.yaml and run.sh, as they are. */
    static Map<String, String> configMapData() {
        return Map.of("config.yaml", resource("config.yaml"), "pod-template.yaml", resource("pod-template.yaml"), "run.sh", resource("run.sh"));
    }

    /** Waits for the start-up execution and checks everything a Go-controller user relies on. */
    static void assertMigrated(Controller controller, KubernetesClient client, String namespace, Path reports, List<String> nodes)
            throws Exception {
        Path latest = reports.resolve("latest");
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(latest)
                && Files.exists(reports.resolve(".controller").resolve(Files.readSymbolicLink(latest)).resolve("_summary.json")));
        String id = Files.readSymbolicLink(latest).toString();
        assertThat(Files.readString(reports.resolve(".controller").resolve(id).resolve("_summary.json")))
                .contains("\"SUCCEEDED\" : " + nodes.size());
        Path dir = reports.resolve(id);
        for (String node : nodes) {
            assertThat(dir.resolve(node + ".json")).as("the body as the Go controller stored it").hasContent(RESULT);
            assertThat(dir.resolve(node + "-report.txt")).hasContent("report of " + node);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("only what the Go controller wrote: <node>.json and <node>-*")
                    .allMatch(f -> nodes.stream().anyMatch(n -> f.equals(n + ".json") || f.startsWith(n + "-")));
        }
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controller.metricsPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String node : nodes) {
            assertThat(metrics).contains("example_batch_job_controller_my_metric{executionID=\"" + id
                    + "\",label_a=\"AAA\",label_b=\"BBB\",node=\"" + node + "\"} 1.0");
        }
        List<Event> events = client.resources(Event.class).inNamespace(namespace).list().getItems().stream()
                .filter(e -> "TestReason".equals(e.getReason())).toList();
        assertThat(events).extracting(Event::getNote)
                .containsExactlyInAnyOrderElementsOf(nodes.stream().map(n -> "node " + n + " checked").toList());
        assertThat(events).allSatisfy(e -> assertThat(e.getReportingController()).isEqualTo(NAME));
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel("batch-job-controller.bakito.github.com/owner", NAME).list().getItems();
        assertThat(pods).hasSize(nodes.size()).allSatisfy(p -> {
            assertThat(p.getSpec().getImagePullSecrets()).as("jobImagePullSecrets: {} means none").isNullOrEmpty();
            assertThat(p.getSpec().getActiveDeadlineSeconds()).as("no jobTimeout unless configured").isNull();
        });
    }
}

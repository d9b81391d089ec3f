package io.batchjob.app;

import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The issue's {@code SIGSTOP} case with two controller processes (the packaged jar, each on a
 * loopback address of its own) on the real API server and a shared report directory: the leader is
 * stopped for 20 s in the middle of an execution, the other takes the Lease and resumes it; jobs
 * post their result once (like {@code curl -f}) to the address their pod was given — the stopped
 * leader's. After {@code SIGCONT} the deposed leader stores nothing and publishes nothing (its
 * stored-bytes counter and result series stay as they were): it relays, and every result reaches
 * the new leader; every node succeeded exactly once, one pod each.
 */
@RealApi
class PausedLeaderRealApiIT {

    private static final int NODES = 6;
    private static final Duration PAUSE = Duration.ofSeconds(20);

    RealApiCluster cluster;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(60)).build();
    private final List<Process> processes = new ArrayList<>();

    @Test
    void aLeaderStoppedFor20SecondsLosesNoResultAndWritesNothingAfterTheHandOver() throws Exception {
        KubernetesClient admin = cluster.admin();
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add("paused-" + cluster.namespace() + "-" + i);
            cluster.createNode(nodes.get(i), true, false, Map.of(), 0);
        }
        int[] ports = {freePort(), freePort(), freePort(), freePort()};
        admin.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("paused").endMetadata()
                .withData(Map.of("config.yaml", """
                        name: paused
                        cronExpression: ""
                        runOnStartup: true
                        startupDelay: 0s
                        podPoolSize: %d
                        callbackServicePort: %d
                        reportServerPort: %d
                        healthProbePort: %d
                        jobNodeSelector: {%s: %s}
                        metrics: {prefix: paused, port: %d, gauges: {m: {help: m, labels: [n]}}}
                        """.formatted(NODES, ports[0], ports[1], ports[2], RealApiCluster.NODE_LABEL, cluster.namespace(), ports[3]),
                        "pod-template.yaml", "kind: Pod\nspec: {containers: [{name: job, image: busybox}]}")).build()).create();
        try (SimulatedKubelet kubelet = new SimulatedKubelet(admin, cluster.namespace(), p -> SimulatedKubelet.Behaviour.HOLD_RUNNING)
                .onlyLabelled(Map.of("batch-job-controller.bakito.github.com/owner", "paused")).start()) {
            Process a = launch("controller-a", "127.0.0.2");
            await().atMost(Duration.ofSeconds(60)).until(() -> holder().equals(Optional.of("controller-a")));
            launch("controller-b", "127.0.0.3");
            await().atMost(Duration.ofSeconds(60)).until(() -> running().size() == NODES);
            Map<String, String> urls = running().stream().collect(Collectors.toMap(p -> p.getSpec().getNodeName(), p ->
                    p.getSpec().getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals("CALLBACK_SERVICE_RESULT_URL"))
                            .map(EnvVar::getValue).findFirst().orElseThrow()));
            for (String node : nodes.subList(0, 2)) {
                assertThat(post(urls.get(node), node).join()).isEqualTo(200);
            }
            String metricsA = "http://127.0.0.2:" + ports[3] + "/metrics";
            await().atMost(Duration.ofSeconds(10)).until(() -> get(metricsA).contains(nodes.get(1)));
            String seriesBefore = series(get(metricsA));
            String storedBefore = stored(get(metricsA));

            signal("STOP", a);
            long stoppedAt = System.nanoTime();
            // Two jobs post to the stopped leader: their requests wait in its socket backlog.
            List<CompletableFuture<Integer>> waiting = List.of(post(urls.get(nodes.get(2)), nodes.get(2)), post(urls.get(nodes.get(3)), nodes.get(3)));
            await().atMost(Duration.ofSeconds(60)).until(() -> holder().equals(Optional.of("controller-b")));
            long left = PAUSE.toNanos() - (System.nanoTime() - stoppedAt);
            await().pollDelay(Duration.ofNanos(Math.max(1, left))).atMost(PAUSE.plusSeconds(5)).until(() -> true); // the rest of the pause
            signal("CONT", a);

            for (CompletableFuture<Integer> w : waiting) {
                assertThat(w.get(120, java.util.concurrent.TimeUnit.SECONDS)).as("a result sent while the leader was stopped").isEqualTo(200);
            }
            for (String node : nodes.subList(4, NODES)) {
                assertThat(post(urls.get(node), node).join()).as("a result sent to the deposed leader").isEqualTo(200);
            }
            for (Pod pod : running()) {
                kubelet.finish(pod.getMetadata().getName(), 0);
            }
            ReportStore store = new ReportStore(dir.resolve("reports"));
            String id = store.executionIds().get(0);
            ExecutionSummary summary = await().atMost(Duration.ofSeconds(60)).until(
                    () -> store.readJson(id, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class), Optional::isPresent).orElseThrow();
            assertThat(summary.jobs()).extracting(JobSummary::outcome).hasSize(NODES).containsOnly(JobOutcome.SUCCEEDED);
            assertThat(store.readLines(id, ExecutionEngine.RESULTS_FILE)).containsExactlyInAnyOrderElementsOf(nodes);
            assertThat(admin.pods().inNamespace(cluster.namespace()).list().getItems()).as("one pod per node")
                    .extracting(p -> p.getSpec().getNodeName()).containsExactlyInAnyOrderElementsOf(nodes);
            String metricsB = "http://127.0.0.3:" + ports[3] + "/metrics";
            assertThat(series(get(metricsB))).contains(nodes.get(2)).contains(nodes.get(5));
            String afterA = get(metricsA);
            assertThat(series(afterA)).as("the deposed leader's result series").isEqualTo(seriesBefore);
            assertThat(stored(afterA)).as("bytes the deposed leader stored for callbacks").isEqualTo(storedBefore);
            assertThat(Files.readString(dir.resolve("controller-a.log"))).contains("stopped leading");
        } catch (AssertionError e) {
            ControllerJar.printLogs(dir, "controller-a", "controller-b"); // what each replica did, for the failure's reader
            throw e;
        } finally {
            for (Process p : processes) {
                signal("CONT", p);
                p.destroy();
                p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
                p.destroyForcibly();
            }
        }
    }

    private Process launch(String hostname, String address) throws IOException {
        ProcessBuilder pb = ControllerJar.replica(dir, hostname, address);
        Map<String, String> env = pb.environment();
        env.put("NAMESPACE", cluster.namespace());
        env.put("CONFIG_MAP_NAME", "paused");
        env.put("POD_IP", address);
        env.put("HOSTNAME", hostname);
        env.put("REPORT_DIRECTORY", dir.resolve("reports").toString());
        env.put("KUBECONFIG", cluster.server().adminKubeconfig().toString());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static void signal(String signal, Process p) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor();
    }

    private Optional<String> holder() {
        Lease lease = cluster.admin().leases().inNamespace(cluster.namespace()).withName("paused-leader-election").get();
        return lease == null || lease.getSpec() == null ? Optional.empty() : Optional.ofNullable(lease.getSpec().getHolderIdentity());
    }

    private List<Pod> running() {
        return cluster.admin().pods().inNamespace(cluster.namespace()).list().getItems().stream()
                .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).toList();
    }

    /** One try, no timeout but a generous one (curl has none): as a job's {@code curl -f}. */
    private CompletableFuture<Integer> post(String url, String node) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"m\":[{\"value\":1,\"labels\":{\"n\":\"" + node + "\"}}]}")).build(),
                HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode).exceptionally(e -> -1);
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String series(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("paused_m{")).sorted().collect(Collectors.joining("\n"));
    }

    private static String stored(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("batch_job_controller_stored_bytes_total{")).sorted().collect(Collectors.joining("\n"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

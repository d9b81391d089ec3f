package io.batchjob.app;

import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.TcpProxy;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two controllers on the real API server sharing a report directory. The leader is cut off from
 * the API in the middle of an execution (as a paused process would be): it fences itself at its
 * renew deadline, the other takes the Lease and resumes the execution; when the old leader is
 * back, the results jobs still send to its address are relayed to the new one — nothing lost,
 * nothing stored or published by the deposed leader, every node succeeded exactly once. (A replica
 * that stays cut off cannot read the Lease to find the leader: its callbacks wait
 * {@code callbackRelayWait}, then get 503 and the job's retry goes to the Service.)
 */
@RealApi
class FailoverRelayRealApiIT {

    private static final int NODES = 4;

    RealApiCluster cluster;

    @TempDir
    Path reports;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void resultsSentToALeaderCutOffFromTheApiReachTheNewLeaderAndTheOldOneWritesAndPublishesNothing() throws Exception {
        KubernetesClient admin = cluster.admin();
        String prefix = "fo-" + cluster.namespace();
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(prefix + "-" + i);
            cluster.createNode(nodes.get(i), true, false, Map.of(), 0);
        }
        admin.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("failover").endMetadata()
                .withData(Map.of("config.yaml", """
                        name: failover
                        cronExpression: ""
                        runOnStartup: true
                        startupDelay: 0s
                        podPoolSize: %d
                        callbackRelayWait: 30s
                        jobNodeSelector: {%s: %s}
                        metrics: {prefix: fo, gauges: {m: {help: m, labels: [n]}}}
                        """.formatted(NODES, RealApiCluster.NODE_LABEL, cluster.namespace()),
                        "pod-template.yaml", "kind: Pod\nspec: {containers: [{name: job, image: busybox}]}")).build()).create();
        URI api = URI.create(cluster.server().url());
        try (SimulatedKubelet kubelet = new SimulatedKubelet(admin, cluster.namespace(), p -> SimulatedKubelet.Behaviour.HOLD_RUNNING)
                .onlyLabelled(Map.of("batch-job-controller.bakito.github.com/owner", "failover")).start();
             TcpProxy aNetwork = new TcpProxy(api.getPort());
             Controller a = Controller.start(env("controller-a"), cluster.adminClient(c -> c.withMasterUrl("https://127.0.0.1:" + aNetwork.port())
                     .withRequestRetryBackoffLimit(1)), Listen.loopbackAnyPort(), Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(30)).until(a::isLeader);
            try (Controller b = Controller.start(env("controller-b"), cluster.adminClient(c -> c), Listen.loopbackAnyPort(), Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> running().size() == NODES);
                Map<String, String> urls = running().stream().collect(Collectors.toMap(p -> p.getSpec().getNodeName(), p ->
                        p.getSpec().getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals("CALLBACK_SERVICE_RESULT_URL"))
                                .map(EnvVar::getValue).findFirst().orElseThrow()));
                assertThat(urls.values()).allSatisfy(u -> assertThat(u).contains(":" + a.callbackPort() + "/"));
                // Two jobs report to the leader as usual.
                for (String node : nodes.subList(0, 2)) {
                    assertThat(post(urls.get(node), node)).isEqualTo(200);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> metrics(a).contains(nodes.get(1)));

                aNetwork.stall(); // the leader is cut off from the API: it cannot renew
                await().atMost(Duration.ofSeconds(60)).until(b::isLeader);
                String before = published(a);
                aNetwork.flow(); // back, as a process after SIGCONT: deposed, it reads the Lease again
                await().atMost(Duration.ofSeconds(30)).until(() -> !a.isLeader());

                // The other two report to the old leader's address, as their pods were told: relayed to the new leader.
                for (String node : nodes.subList(2, NODES)) {
                    assertThat(post(urls.get(node), node)).as(node).isEqualTo(200);
                }
                for (Pod pod : running()) {
                    kubelet.finish(pod.getMetadata().getName(), 0);
                }
                ReportStore store = new ReportStore(reports);
                String id = store.executionIds().get(0);
                ExecutionSummary summary = await().atMost(Duration.ofSeconds(60)).until(
                        () -> store.readJson(id, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class), java.util.Optional::isPresent).orElseThrow();
                assertThat(summary.jobs()).extracting(JobSummary::outcome).containsOnly(JobOutcome.SUCCEEDED).hasSize(NODES);
                assertThat(store.readLines(id, ExecutionEngine.RESULTS_FILE)).containsExactlyInAnyOrderElementsOf(nodes);
                assertThat(metrics(b)).contains(nodes.get(2)).contains(nodes.get(3));
                assertThat(published(a)).as("the deposed leader's result series did not change").isEqualTo(before)
                        .doesNotContain(nodes.get(2));
                assertThat(admin.pods().inNamespace(cluster.namespace()).list().getItems()).as("one pod per node")
                        .extracting(p -> p.getSpec().getNodeName()).containsExactlyInAnyOrderElementsOf(nodes);
            } finally {
                aNetwork.flow();
            }
        }
    }

    private ControllerEnvironment env(String hostname) {
        return ControllerEnvironment.from(Map.of("NAMESPACE", cluster.namespace(), "CONFIG_MAP_NAME", "failover", "POD_IP", "127.0.0.1",
                "HOSTNAME", hostname, "REPORT_DIRECTORY", reports.toString()));
    }

    private List<Pod> running() {
        return cluster.admin().pods().inNamespace(cluster.namespace()).list().getItems().stream()
                .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).toList();
    }

    private int post(String url, String node) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"m\":[{\"value\":1,\"labels\":{\"n\":\"" + node + "\"}}]}")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private String metrics(Controller c) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.metricsPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The result series ({@code fo_m}) the controller publishes. */
    private String published(Controller c) throws Exception {
        return metrics(c).lines().filter(l -> l.startsWith("fo_m{")).sorted().collect(Collectors.joining("\n"));
    }
}

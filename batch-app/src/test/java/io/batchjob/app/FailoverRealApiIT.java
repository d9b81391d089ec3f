package io.batchjob.app;

import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.k8s.ConfigMapControl;
import io.batchjob.k8s.JobLabels;
import io.batchjob.testkit.k8s.DedicatedApiServer;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.ServiceProxy;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The failover suite: two controller processes (the packaged jar) as leader-election peers on the
 * real API server, a shared report directory, 30 nodes, pool 5, jobs that post their result once
 * with {@code curl -f} to the callback Service and fail when that fails, {@code jobRetries: 2}. In the
 * middle of the execution one fault: the leader killed ({@code kill -9}), the leader stopped 20 s
 * ({@code SIGSTOP}/{@code SIGCONT}), the API server paused 20 s, or the API server restarted. Every
 * node ends with exactly one successful attempt, every result is in the summary and in the leader's
 * {@code /metrics}, no node ever runs two attempts at once, and the execution finishes within the
 * lease duration + 30 s after the fault ended.
 *
 * <p>The Service is real (a ClusterIP from the API server, whose service range is on loopback here);
 * what kube-proxy does with it is {@link ServiceProxy}: connections go to ready replicas.
 */
class FailoverRealApiIT {

    @RegisterExtension
    static final DedicatedApiServer API = DedicatedApiServer.named("failover", "--service-cluster-ip-range=127.77.0.0/24");

    private static final int NODES = 30;
    private static final int POOL = 5;
    private static final Duration LEASE_DURATION = Duration.ofSeconds(15);
    private static final Duration FAULT = Duration.ofSeconds(20);
    /** Figures of every scenario, printed after each: the table again. */
    private static final Map<Fault, String> FIGURES = new LinkedHashMap<>();

    /** The faults; the last with a report volume per replica (ReadWriteOnce) instead of a shared one. */
    enum Fault { KILL_LEADER, STOP_LEADER_20S, PAUSE_API_20S, RESTART_API, KILL_LEADER_OWN_VOLUMES }

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();

    @ParameterizedTest
    @EnumSource(Fault.class)
    void afterTheFaultEveryNodeHasExactlyOneSuccessfulAttemptAndEveryResultIsKept(Fault fault) throws Exception {
        RealApiCluster cluster = API.cluster();
        KubernetesClient admin = cluster.admin();
        String ns = cluster.namespace();
        String name = "fo-" + fault.name().toLowerCase().replace('_', '-');
        String net = "127.0." + (10 + fault.ordinal()) + ".";
        Map<String, String> addresses = Map.of(name + "-a", net + "2", name + "-b", net + "3");
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(name + "-node-" + i);
            cluster.createNode(nodes.get(i), true, false, Map.of("failover", name), 0);
        }
        int[] ports = {freePort(), freePort(), freePort(), freePort()};
        String service = admin.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName(name + "-callback").endMetadata()
                .withNewSpec().withSelector(Map.of("app", name)).addNewPort().withName("callback").withPort(ports[0]).endPort().endSpec().build())
                .create().getSpec().getClusterIP();
        Path locks = Files.createDirectories(dir.resolve("locks"));
        admin.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata()
                .withData(Map.of("config.yaml", """
                        name: %s
                        cronExpression: ""
                        podPoolSize: %d
                        jobRetries: 2
                        jobRetryDelay: 1s
                        callbackServiceName: %s-callback
                        callbackServicePort: %d
                        reportServerPort: %d
                        healthProbePort: %d
                        jobNodeSelector: {failover: %s}
                        metrics: {prefix: fo, port: %d, gauges: {m: {help: m, labels: [n]}}}
                        """.formatted(name, POOL, name, ports[0], ports[1], ports[2], name, ports[3]),
                        "pod-template.yaml", JOB.replace("LOCKS_DIR", locks.toString()))).build()).create();
        // The controllers' own pods, with the IPs they listen on: a replica publishes its pod IP for the others to relay to.
        addresses.forEach((pod, ip) -> {
            admin.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(pod).withLabels(Map.of("app", name)).endMetadata()
                    .withNewSpec().addNewContainer().withName("controller").withImage("batch-job-controller").endContainer().endSpec().build()).create();
            admin.pods().inNamespace(ns).withName(pod).editStatus(p -> {
                p.getStatus().setPhase("Running");
                p.getStatus().setPodIP(ip);
                p.getStatus().setPodIPs(List.of(new io.fabric8.kubernetes.api.model.PodIP(ip)));
                return p;
            });
        });

        Map<String, Process> controllers = new LinkedHashMap<>();
        List<ServiceProxy.Endpoint> endpoints = new ArrayList<>();
        try (SimulatedKubelet kubelet = new SimulatedKubelet(admin, ns, p -> SimulatedKubelet.Behaviour.RUN_COMMAND).threads(2 * POOL)
                .onlyLabelled(Map.of(JobLabels.OWNER, name)).start()) {
            boolean ownVolumes = fault == Fault.KILL_LEADER_OWN_VOLUMES;
            addresses.forEach((pod, ip) -> {
                Process p = launch(name, pod, ip, ownVolumes ? dir.resolve("reports-" + pod) : dir.resolve("reports"));
                controllers.put(pod, p);
                endpoints.add(new ServiceProxy.Endpoint(pod, ip, ports[0], URI.create("http://" + ip + ":" + ports[2] + "/readyz"), p::isAlive));
            });
            try (ServiceProxy proxy = new ServiceProxy(service, ports[0], endpoints)) {
                await().atMost(Duration.ofSeconds(90)).until(() -> proxy.readyEndpoints().size() == 2 && holder(name).isPresent());
                admin.configMaps().inNamespace(ns).withName(name).edit(cm -> {
                    cm.getMetadata().setAnnotations(Map.of(ConfigMapControl.RUN, "failover-" + fault));
                    return cm;
                });
                await().atMost(Duration.ofSeconds(60)).until(() -> succeededPods(name).size() >= 10);

                String leader = holder(name).orElseThrow();
                Process leading = controllers.get(leader);
                Instant faultStart = Instant.now();
                switch (fault) {
                    case KILL_LEADER, KILL_LEADER_OWN_VOLUMES -> {
                        leading.destroyForcibly(); // SIGKILL
                        leading.waitFor(10, TimeUnit.SECONDS);
                    }
                    case STOP_LEADER_20S -> {
                        signal("STOP", leading);
                        pause(FAULT);
                        signal("CONT", leading);
                    }
                    case PAUSE_API_20S -> {
                        API.server().pause();
                        try {
                            pause(FAULT);
                        } finally {
                            API.server().resume();
                        }
                    }
                    case RESTART_API -> API.server().restart();
                }
                Instant faultEnd = Instant.now();

                String takeover = ownVolumes ? controllers.keySet().stream().filter(c -> !c.equals(leader)).findFirst().orElseThrow() : null;
                ReportStore store = new ReportStore(ownVolumes ? dir.resolve("reports-" + takeover) : dir.resolve("reports"));
                String id = await().atMost(LEASE_DURATION.plusSeconds(30)).until(store::executionIds, ids -> !ids.isEmpty()).get(0);
                ExecutionSummary summary = await().atMost(LEASE_DURATION.plusSeconds(90)).until(
                        () -> store.readJson(id, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class), Optional::isPresent).orElseThrow();

                // Every node succeeded, with exactly one successful attempt, and reported.
                assertThat(summary.jobs()).hasSize(NODES).allSatisfy(j -> {
                    assertThat(j.outcome()).as(j.node() + ": " + j.reason()).isEqualTo(JobOutcome.SUCCEEDED);
                    assertThat(j.reported()).as(j.node()).isEqualTo(!summary.unseen().contains(j.node()));
                });
                if (ownVolumes) {
                    // The new leader adopted the execution from the API: what ended before is named, and kept on the old volume.
                    ReportStore old = new ReportStore(dir.resolve("reports-" + leader));
                    assertThat(summary.unseen()).isNotEmpty().allSatisfy(n -> assertThat(old.fileOf(id, n + ".json")).exists());
                    assertThat(summary.resumed()).isTrue();
                } else {
                    assertThat(summary.unseen()).isEmpty();
                }
                Map<String, Long> succeededPerNode = succeededPods(name).stream().collect(Collectors.groupingBy(p -> p.getSpec().getNodeName(),
                        Collectors.counting()));
                assertThat(succeededPerNode).hasSize(NODES).allSatisfy((node, n) -> assertThat(n).as(node).isEqualTo(1L));
                // No node ever ran two attempts at once (each job takes a lock per node for as long as it runs).
                assertThat(kubelet.output().values()).noneMatch(out -> out.contains("two attempts"));
                // Every result in the leader's metrics.
                String nowLeading = await().atMost(Duration.ofSeconds(30)).until(() -> holder(name), Optional::isPresent).orElseThrow();
                String metrics = get("http://" + addresses.get(nowLeading) + ":" + ports[3] + "/metrics");
                List<String> series = metrics.lines().filter(l -> l.startsWith("fo_m{") && l.contains("executionID=\"" + id + "\"")).toList();
                assertThat(nodes).filteredOn(n -> !summary.unseen().contains(n))
                        .allSatisfy(n -> assertThat(series).as("the leader's series of " + n).anyMatch(l -> l.contains("n=\"" + n + "\"")));
                // On time.
                Duration afterFault = Duration.between(faultEnd, summary.endedAt());
                assertThat(afterFault).as("finished after the fault ended").isLessThan(LEASE_DURATION.plusSeconds(30));

                int attempts = summary.jobs().stream().mapToInt(JobSummary::attempts).sum();
                long retried = summary.jobs().stream().filter(j -> j.attempts() > 1).count();
                FIGURES.put(fault, String.format("| %s | %d / %d (%d not seen) | %d | %d | %d | %.1f s | %.1f s | %s → %s |", fault,
                        summary.jobs().stream().filter(JobSummary::reported).count(), NODES, summary.unseen().size(), summary.jobs().stream().filter(j -> j.outcome() != JobOutcome.SUCCEEDED).count(),
                        attempts, retried, Duration.between(faultStart, faultEnd).toMillis() / 1000.0, afterFault.toMillis() / 1000.0, leader,
                        nowLeading));
                Path table = Path.of("target", "failover-figures.md");
                Files.writeString(table, "| fault | results accepted | nodes not succeeded | attempts | nodes retried | fault lasted"
                        + " | execution finished after the fault | leader before → after |\n|---|---|---|---|---|---|---|---|\n"
                        + String.join("\n", FIGURES.values()) + "\n");
                System.out.println(Files.readString(table));
            }
        } finally {
            for (Process p : processes) {
                signal("CONT", p);
                p.destroy();
                p.waitFor(20, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
            processes.clear();
        }
    }

    /** The job: one attempt of a node at a time (a lock per node), its result posted once, as {@code curl -f}. */
    private static final String JOB = """
            kind: Pod
            spec:
              containers:
                - name: job
                  image: curlimages/curl
                  env: [{name: LOCKS, value: "LOCKS_DIR"}]
                  command: ["sh", "-c"]
                  args:
                    - |
                      mkdir "$LOCKS/$NODE_NAME" 2>/dev/null || { echo "two attempts of $NODE_NAME at once"; exit 97; }
                      sleep 2
                      curl -sf -X POST -H 'Content-Type: application/json' \\
                        --data "{\\"m\\":[{\\"value\\":1,\\"labels\\":{\\"n\\":\\"$NODE_NAME\\"}}]}" "$CALLBACK_SERVICE_RESULT_URL"
                      code=$?
                      rmdir "$LOCKS/$NODE_NAME"
                      exit $code
            """;

    private List<Pod> succeededPods(String name) {
        return API.cluster().admin().pods().inNamespace(API.cluster().namespace()).withLabel(JobLabels.OWNER, name).list().getItems().stream()
                .filter(p -> p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase())).toList();
    }

    private Optional<String> holder(String name) {
        try {
            Lease lease = API.cluster().admin().leases().inNamespace(API.cluster().namespace()).withName(name + "-leader-election").get();
            return lease == null || lease.getSpec() == null ? Optional.empty() : Optional.ofNullable(lease.getSpec().getHolderIdentity());
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            return Optional.empty(); // the API server is down
        }
    }

    private Process launch(String configMap, String hostname, String address, Path reports) {
        ProcessBuilder pb = ControllerJar.replica(dir, hostname, address);
        Map<String, String> env = pb.environment();
        env.put("NAMESPACE", API.cluster().namespace());
        env.put("CONFIG_MAP_NAME", configMap);
        env.remove("POD_IP"); // as the chart with several replicas: job pods call the Service
        env.put("HOSTNAME", hostname);
        env.put("REPORT_DIRECTORY", reports.toString());
        env.put("KUBECONFIG", API.server().adminKubeconfig().toString());
        try {
            Process p = pb.start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void signal(String signal, Process p) throws Exception {
        if (p.isAlive()) {
            new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor();
        }
    }

    /** Lets the fault last: a wait on nothing but time, not a poll. */
    private static void pause(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        await().pollDelay(d).atMost(d.plusSeconds(5)).until(() -> System.nanoTime() >= end);
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

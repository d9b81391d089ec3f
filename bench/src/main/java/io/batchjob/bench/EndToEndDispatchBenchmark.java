package io.batchjob.bench;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.k8s.JobPodFactory;
import io.batchjob.k8s.KubernetesJobBackend;
import io.batchjob.k8s.KubernetesNodeSource;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.TestApiServer;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * End-to-end dispatch: the engine with the Kubernetes backend and a minimal kubelet that marks
 * each pod Succeeded {@code d} after it appears (no local processes), N = 1,000 nodes, P = 50,
 * d = 0.5 s and 2 s, against two API servers: fabric8's mock (CRUD; the time spent inside it is
 * summed, so the controller's own share is visible) and the <b>real kube-apiserver</b> with etcd
 * of {@code testing/kube-apiserver} (skipped with a message when it is not built). Reports makespan
 * against {@code ceil(N/P)*d}, pods created per second, and API requests per job: for the real
 * server from its own {@code apiserver_request_total} (the kubelet's status patches left out). The
 * two runs of a server share it: the second execution starts by deleting the first one's pods.
 */
final class EndToEndDispatchBenchmark {

    private static final String NS = "bench";
    private static final Pattern REQUESTS = Pattern.compile("^apiserver_request_total\\{([^}]*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private EndToEndDispatchBenchmark() {
    }

    /** Where the jobs run: the API server, clients for the controller and the kubelet, and how requests are counted. */
    private interface Cluster extends AutoCloseable {
        String name();

        KubernetesClient controller();

        KubernetesClient kubelet();

        Map<String, String> nodeSelector();

        /** Requests so far by "VERB resource[/subresource]" (the kubelet's included). */
        Map<String, Long> requests();

        /** Seconds spent inside the API server (the mock only; NaN for the real one). */
        double secondsInside();

        @Override
        void close();
    }

    static void run(Path out) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf("end-to-end dispatch, minimal kubelet, %d cores%n", Runtime.getRuntime().availableProcessors());
        System.out.printf("%-10s %6s %4s %6s %10s %12s %8s %10s %14s %12s %10s%n", "API server", "N", "P", "d s", "ideal s", "makespan s",
                "ratio", "pods/s", "in server s", "ctrl cpu s", "req/job");
        for (String kind : List.of("mock", "real")) {
            // Both runs on one cluster: the second execution's start deletes the first's 1,000 pods (one deletecollection).
            try (Cluster cluster = kind.equals("mock") ? mock(1_000) : real(1_000)) {
                if (cluster == null) {
                    System.out.printf("%-10s skipped: %s%n", kind, TestApiServer.missingBinaryMessage());
                    continue;
                }
                for (Duration d : List.of(Duration.ofMillis(500), Duration.ofSeconds(2))) {
                    Map<String, Object> row = once(cluster, 1_000, 50, d);
                    rows.add(row);
                    System.out.printf("%-10s %6d %4d %6.1f %10.1f %12.2f %8.3f %10.1f %14.2f %12.2f %10.2f%n", kind, row.get("nodes"),
                            row.get("pool"), d.toMillis() / 1000.0, row.get("idealSeconds"), row.get("makespanSeconds"), row.get("ratio"),
                            row.get("podsPerSecond"), row.get("secondsInsideApiServer"), row.get("processCpuSeconds"),
                            row.get("controllerRequestsPerJob"));
                }
            }
        }
        rows.forEach(r -> System.out.println(r.get("apiServer") + " API server, requests by kind (d = " + r.get("jobSeconds") + " s): "
                + r.get("requestsByKind")));
        Map<String, Object> doc = Measure.header("end-to-end-dispatch");
        doc.put("results", rows);
        Measure.write(out, doc);
    }

    private static Cluster mock(int n) {
        TimedMockApiServer mock = new TimedMockApiServer(Map.of());
        KubernetesMockServer server = mock.server();
        KubernetesClient client = server.createClient();
        KubernetesClient kubelet = server.createClient();
        for (int i = 0; i < n; i++) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-" + i).endMetadata().withNewStatus()
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        }
        return new Cluster() {
            @Override
            public String name() {
                return "mock";
            }

            @Override
            public KubernetesClient controller() {
                return client;
            }

            @Override
            public KubernetesClient kubelet() {
                return kubelet;
            }

            @Override
            public Map<String, String> nodeSelector() {
                return Map.of();
            }

            @Override
            public Map<String, Long> requests() {
                Map<String, Long> counts = new TreeMap<>();
                mock.byKind.forEach((k, v) -> counts.put(k, v.get()));
                return counts;
            }

            @Override
            public double secondsInside() {
                return mock.nanosInside.get() / 1e9;
            }

            @Override
            public void close() {
                kubelet.close();
                client.close();
                server.destroy();
            }
        };
    }

    /** The real API server, or null when its binary is not built. */
    private static Cluster real(int n) {
        if (TestApiServer.binary().isEmpty()) {
            return null;
        }
        TestApiServer server = TestApiServer.startDedicated("bench-e2e");
        RealApiCluster cluster = RealApiCluster.create(server, NS);
        for (int i = 0; i < n; i++) {
            cluster.createNode("node-" + i, true, false, Map.of(), 0);
        }
        KubernetesClient kubelet = cluster.adminClient(b -> b);
        KubernetesClient admin = server.adminClient();
        return new Cluster() {
            @Override
            public String name() {
                return "real";
            }

            @Override
            public KubernetesClient controller() {
                return cluster.admin();
            }

            @Override
            public KubernetesClient kubelet() {
                return kubelet;
            }

            @Override
            public Map<String, String> nodeSelector() {
                return cluster.nodeLabel();
            }

            @Override
            public Map<String, Long> requests() {
                Map<String, Long> counts = new TreeMap<>();
                for (String line : admin.raw(server.url() + "/metrics").split("\n")) {
                    Matcher m = REQUESTS.matcher(line);
                    if (!m.matches()) {
                        continue;
                    }
                    Map<String, String> labels = new java.util.HashMap<>();
                    Matcher l = LABEL.matcher(m.group(1));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                    String resource = labels.getOrDefault("resource", "");
                    if (resource.isEmpty()) {
                        continue; // non-resource URLs: /metrics, /readyz, discovery
                    }
                    String sub = labels.getOrDefault("subresource", "");
                    // A DELETE of a whole namespace's collection (deletecollection) has scope "namespace", of one object "resource".
                    String verb = labels.get("verb").equals("DELETE") && "namespace".equals(labels.get("scope")) ? "DELETECOLLECTION"
                            : labels.get("verb");
                    counts.merge(verb + " " + resource + (sub.isEmpty() ? "" : "/" + sub), (long) Double.parseDouble(m.group(2)), Long::sum);
                }
                return counts;
            }

            @Override
            public double secondsInside() {
                return Double.NaN;
            }

            @Override
            public void close() {
                try {
                    cluster.close();
                } finally {
                    admin.close();
                    server.close();
                }
            }
        };
    }

    private static Map<String, Object> once(Cluster cluster, int n, int p, Duration d) throws Exception {
        ScheduledExecutorService kubeletTimer = Executors.newScheduledThreadPool(4);
        KubernetesClient kubeletClient = cluster.kubelet();
        SharedIndexInformer<Pod> kubelet = kubeletClient.pods().inNamespace(NS).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                String name = pod.getMetadata().getName();
                kubeletTimer.schedule(() -> {
                    // A status patch, as a kubelet sends it: no read of the pod first.
                    Pod status = new Pod();
                    status.setStatus(new PodStatus());
                    status.getStatus().setPhase("Succeeded");
                    try {
                        kubeletClient.pods().inNamespace(NS).withName(name).patchStatus(status);
                    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                        if (e.getCode() != 404) {
                            throw e;
                        }
                    }
                }, d.toMillis(), TimeUnit.MILLISECONDS);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
            }
        }, 0);
        KubernetesClient client = cluster.controller();
        LoadedConfig loaded = ConfigLoader.load("name: bench\npodPoolSize: " + p + "\ncronExpression: \"\"\njobTimeout: 10m",
                "kind: Pod\nspec: {containers: [{name: job, image: busybox}]}", "bench");
        Path reports = Files.createTempDirectory("bench-e2e");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (KubernetesJobBackend backend = new KubernetesJobBackend(client, NS, "bench",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), NS, null), Duration.ofMinutes(5), null)) {
            Map<String, Long> before = cluster.requests();
            double inside0 = cluster.secondsInside();
            backend.start(Duration.ofSeconds(30));
            try (ExecutionEngine engine = ExecutionEngine.builder().config(loaded.config())
                    .nodeSource(new KubernetesNodeSource(client, cluster.nodeSelector(), false)).backend(backend).reportStore(new ReportStore(reports))
                    .jobEnvironment(new JobEnvironment(NS, new CallbackEndpoint("127.0.0.1", 8090), CallbackAuth.TOKEN, List.of()))
                    .build()) {
                engine.activate();
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                TriggerOutcome.Started started = (TriggerOutcome.Started) engine.trigger("bench");
                ExecutionSummary summary = started.completion().get(30, TimeUnit.MINUTES);
                long makespan = System.nanoTime() - t0;
                double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                if (summary.jobs().size() != n) {
                    throw new IllegalStateException("expected " + n + " jobs, got " + summary.jobs().size());
                }
                kubelet.stop();
                Map<String, Long> delta = new TreeMap<>();
                cluster.requests().forEach((k, v) -> {
                    long diff = v - before.getOrDefault(k, 0L);
                    if (diff > 0 && !k.endsWith("/status")) { // status patches are the kubelet's (real server: "PATCH pods/status")
                        delta.put(k, diff);
                    }
                });
                if (!cluster.name().equals("real")) {
                    delta.keySet().removeIf(k -> k.startsWith("PATCH ")); // the mock's paths: the kubelet's status patches
                }
                long controllerRequests = delta.values().stream().mapToLong(Long::longValue).sum();
                double ideal = Math.ceil((double) n / p) * d.toNanos() / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("apiServer", cluster.name());
                row.put("nodes", n);
                row.put("pool", p);
                row.put("jobSeconds", d.toMillis() / 1000.0);
                row.put("idealSeconds", ideal);
                row.put("makespanSeconds", makespan / 1e9);
                row.put("ratio", makespan / 1e9 / ideal);
                row.put("podsPerSecond", n / (makespan / 1e9));
                row.put("secondsInsideApiServer", cluster.secondsInside() - inside0);
                row.put("apiRequests", controllerRequests);
                row.put("controllerRequestsPerJob", controllerRequests / (double) n);
                row.put("requestsByKind", delta);
                if (cluster.name().equals("real")) {
                    row.put("note", "requests from the API server's apiserver_request_total; the kubelet's status patches and its "
                            + "informer's list and watch (2 requests) are the only ones not from the controller; process CPU includes "
                            + "the kubelet, which runs in the same JVM");
                } else {
                    row.put("note", "requests counted by the mock, less the kubelet's status patches; process CPU includes the mock "
                            + "API server and the kubelet, which run in the same JVM");
                }
                row.put("processCpuSeconds", cpu);
                return row;
            }
        } finally {
            kubelet.stop();
            kubeletTimer.shutdownNow();
            Measure.deleteTree(reports);
        }
    }
}

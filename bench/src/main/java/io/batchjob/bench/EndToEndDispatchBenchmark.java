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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end dispatch: the engine with the Kubernetes backend against fabric8's mock API server
 * (CRUD), and a minimal kubelet that marks each pod Succeeded {@code d} after it appears (no local
 * processes). N = 1,000 nodes, P = 50. Reports makespan against {@code ceil(N/P)*d}, pods created
 * per second, and the time spent inside the mock API server (summed over its request handling),
 * so the controller's own share is visible.
 */
final class EndToEndDispatchBenchmark {

    private EndToEndDispatchBenchmark() {
    }

    static void run(Path out) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf("end-to-end dispatch, mock API server + minimal kubelet, %d cores%n", Runtime.getRuntime().availableProcessors());
        System.out.printf("%6s %4s %6s %10s %12s %8s %10s %14s %12s%n", "N", "P", "d s", "ideal s", "makespan s", "ratio", "pods/s",
                "in mock s", "ctrl cpu s");
        for (Duration d : List.of(Duration.ofMillis(500), Duration.ofSeconds(2))) {
            Map<String, Object> row = once(1_000, 50, d);
            rows.add(row);
            System.out.printf("%6d %4d %6.1f %10.1f %12.2f %8.3f %10.1f %14.2f %12.2f%n", row.get("nodes"), row.get("pool"), d.toMillis() / 1000.0,
                    row.get("idealSeconds"), row.get("makespanSeconds"), row.get("ratio"), row.get("podsPerSecond"),
                    row.get("secondsInsideMockApiServer"), row.get("processCpuSeconds"));
        }
        Map<String, Object> doc = Measure.header("end-to-end-dispatch");
        doc.put("results", rows);
        Measure.write(out, doc);
    }

    private static Map<String, Object> once(int n, int p, Duration d) throws Exception {
        TimedMockApiServer mock = new TimedMockApiServer(Map.of());
        KubernetesMockServer server = mock.server();
        AtomicLong insideMock = mock.nanosInside;
        AtomicLong requests = mock.requests;
        ScheduledExecutorService kubeletTimer = Executors.newScheduledThreadPool(4);
        try (KubernetesClient client = server.createClient(); KubernetesClient kubeletClient = server.createClient()) {
            for (int i = 0; i < n; i++) {
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-" + i).endMetadata().withNewStatus()
                        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
            }
            SharedIndexInformer<Pod> kubelet = kubeletClient.pods().inNamespace("bench").inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod pod) {
                    String name = pod.getMetadata().getName();
                    kubeletTimer.schedule(() -> {
                        Pod current = kubeletClient.pods().inNamespace("bench").withName(name).get();
                        if (current != null) {
                            PodStatus s = new PodStatus();
                            s.setPhase("Succeeded");
                            current.setStatus(s);
                            kubeletClient.pods().inNamespace("bench").resource(current).updateStatus();
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
            LoadedConfig loaded = ConfigLoader.load("name: bench\npodPoolSize: " + p + "\ncronExpression: \"\"\njobTimeout: 10m",
                    "kind: Pod\nspec: {containers: [{name: job, image: busybox}]}", "bench");
            Path reports = Files.createTempDirectory("bench-e2e");
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            try (KubernetesJobBackend backend = new KubernetesJobBackend(client, "bench", "bench",
                    new JobPodFactory(loaded.config(), loaded.podTemplate(), "bench", null), Duration.ofMinutes(5), null)) {
                backend.start(Duration.ofSeconds(30));
                try (ExecutionEngine engine = ExecutionEngine.builder().config(loaded.config())
                        .nodeSource(new KubernetesNodeSource(client, Map.of(), false)).backend(backend).reportStore(new ReportStore(reports))
                        .jobEnvironment(new JobEnvironment("bench", new CallbackEndpoint("127.0.0.1", 8090), CallbackAuth.TOKEN, List.of()))
                        .build()) {
                    engine.activate();
                    long mock0 = insideMock.get();
                    long req0 = requests.get();
                    long cpu0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    TriggerOutcome.Started started = (TriggerOutcome.Started) engine.trigger("bench");
                    ExecutionSummary summary = started.completion().get(30, TimeUnit.MINUTES);
                    long makespan = System.nanoTime() - t0;
                    if (summary.jobs().size() != n) {
                        throw new IllegalStateException("expected " + n + " jobs, got " + summary.jobs().size());
                    }
                    double ideal = Math.ceil((double) n / p) * d.toNanos() / 1e9;
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("nodes", n);
                    row.put("pool", p);
                    row.put("jobSeconds", d.toMillis() / 1000.0);
                    row.put("idealSeconds", ideal);
                    row.put("makespanSeconds", makespan / 1e9);
                    row.put("ratio", makespan / 1e9 / ideal);
                    row.put("podsPerSecond", n / (makespan / 1e9));
                    row.put("secondsInsideMockApiServer", (insideMock.get() - mock0) / 1e9);
                    row.put("apiRequests", requests.get() - req0);
                    row.put("processCpuSeconds", (os.getProcessCpuTime() - cpu0) / 1e9);
                    row.put("note", "process CPU includes the mock API server and the kubelet, which run in the same JVM");
                    return row;
                }
            } finally {
                kubelet.stop();
                Measure.deleteTree(reports);
            }
        } finally {
            kubeletTimer.shutdownNow();
            server.destroy();
        }
    }
}

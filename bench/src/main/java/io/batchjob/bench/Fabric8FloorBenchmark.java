package io.batchjob.bench;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.k8s.JobLabels;
import io.batchjob.k8s.JobPodFactory;
import io.batchjob.k8s.TokenRefreshThrottle;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * What fabric8 alone costs per job: a process that does only the Kubernetes API traffic of the
 * controller's jobs, with the controller's client (Vert.x, {@link TokenRefreshThrottle}) and calls —
 * serialise the job's pod (built once by {@link JobPodFactory}, as the controller builds it), POST it
 * raw, a pod informer seeing it ADDED, MODIFIED (Succeeded) and DELETED (one deletecollection per
 * execution) — and nothing else: no engine, no callback, no metrics, no reports. Against fabric8's
 * mock API server in the benchmark's process, whose kubelet marks each pod Succeeded; 200 jobs in
 * flight, as the memory benchmark's pool. The figure is this process's CPU per job after the warm-up
 * executions (thread CPU from /proc): a floor for the controller's CPU per job on this client.
 */
final class Fabric8FloorBenchmark {

    private static final String NS = "floor";
    private static final int NODES = Integer.getInteger("bench.nodes", 5_000);
    private static final int EXECUTIONS = Integer.getInteger("bench.executions", 8);
    private static final int WARM_UP = Math.min(3, EXECUTIONS / 2);
    private static final int IN_FLIGHT = 200;

    private Fabric8FloorBenchmark() {
    }

    static void run(Path out) throws Exception {
        TimedMockApiServer mock = new TimedMockApiServer(Map.of());
        KubernetesClient client = mock.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        // The memory benchmark's pod: config and template as there, the job environment as the engine makes it.
        LoadedConfig loaded = ConfigLoader.load("name: bench\npodPoolSize: 200\n", "kind: Pod\nspec: {containers: [{name: job, image: busybox}]}",
                "floor");
        Map<String, String> env = new LinkedHashMap<>();
        String secret = "s".repeat(43);
        String base = "http://10.1.2.3:8090/report/20261128100000/node-1234/" + secret;
        env.put(JobEnvironment.NAMESPACE, NS);
        env.put(JobEnvironment.NODE_NAME, "node-1234");
        env.put(JobEnvironment.EXECUTION_ID, "20261128100000");
        env.put(JobEnvironment.CALLBACK_SERVICE_NAME, "10.1.2.3");
        env.put(JobEnvironment.CALLBACK_SERVICE_PORT, "8090");
        env.put(JobEnvironment.CALLBACK_SERVICE_RESULT_URL, base + "/result");
        env.put(JobEnvironment.CALLBACK_SERVICE_FILE_URL, base + "/file");
        env.put(JobEnvironment.CALLBACK_SERVICE_EVENT_URL, base + "/event");
        env.put(JobEnvironment.CALLBACK_TOKEN, secret);
        Pod pod = new JobPodFactory(loaded.config(), loaded.podTemplate(), NS, null)
                .create(new JobRequest("20261128100000", "node-0", secret, env, null));
        Path podFile = Files.createTempFile("floor-pod", ".json");
        String podJson = client.getKubernetesSerialization().asJson(pod);
        int podBytes = podJson.getBytes(StandardCharsets.UTF_8).length;
        Files.writeString(podFile, podJson);

        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Xmx768m", "-cp",
                Path.of("bench", "target", "batch-bench.jar").toString(), Fabric8FloorBenchmark.class.getName(),
                client.getConfiguration().getMasterUrl(), podFile.toString()));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Runtime.getRuntime().addShutdownHook(new Thread(child::destroyForcibly));
        ExecutorService kubeletWorkers = Executors.newFixedThreadPool(8);
        ResourceEventHandler<Pod> kubelet = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                kubeletWorkers.execute(() -> {
                    PodStatus s = new PodStatus();
                    s.setPhase("Succeeded");
                    p.setStatus(s);
                    try {
                        client.pods().inNamespace(NS).resource(p).updateStatus();
                    } catch (KubernetesClientException e) {
                        System.err.println("kubelet: " + e.getMessage());
                    }
                });
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
            }

            @Override
            public void onDelete(Pod p, boolean unknown) {
            }
        };
        String pid = Long.toString(child.pid());
        double cpuWarm = -1;
        double cpuEnd = -1;
        Map<String, Double> threadsWarm = Map.of();
        Map<String, Double> threadsEnd = Map.of();
        try (SharedIndexInformer<Pod> ignored = client.pods().inNamespace(NS).inform(kubelet, 0);
             BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            System.out.printf("fabric8 floor: the controller's API traffic alone, %d nodes x %d executions, %d in flight, %d cores%n",
                    NODES, EXECUTIONS, IN_FLIGHT, Runtime.getRuntime().availableProcessors());
            for (String line; (line = lines.readLine()) != null; ) {
                System.out.println("  " + line);
                if (line.startsWith("execution " + WARM_UP + " done")) {
                    cpuWarm = ProcStats.cpuSeconds(pid);
                    threadsWarm = ProcStats.threadCpu(pid);
                } else if (line.startsWith("execution " + EXECUTIONS + " done")) {
                    cpuEnd = ProcStats.cpuSeconds(pid);
                    threadsEnd = ProcStats.threadCpu(pid);
                    child.getOutputStream().close(); // tells it to exit
                }
            }
            if (child.waitFor() != 0 || cpuEnd < 0) {
                throw new IllegalStateException("the fabric8 process failed (exit " + child.exitValue() + ")");
            }
        } finally {
            child.destroy();
            kubeletWorkers.shutdownNow();
            mock.close();
            Files.deleteIfExists(podFile);
        }
        double jobs = (double) NODES * (EXECUTIONS - WARM_UP);
        double msPerJob = (cpuEnd - cpuWarm) * 1000 / jobs;
        Map<String, Double> byThreads = ProcStats.perJob(threadsEnd, threadsWarm, jobs);
        System.out.printf("fabric8 CPU per job after %d warm-up executions: %.2f ms (pod: %d bytes of JSON)%n", WARM_UP, msPerJob, podBytes);
        System.out.println("by thread group (ms): " + byThreads.entrySet().stream().map(e -> String.format("%s %.3f", e.getKey(), e.getValue()))
                .collect(java.util.stream.Collectors.joining(", ")));
        Map<String, Object> doc = Measure.header("fabric8-floor");
        doc.put("what", "a process doing only the controller's per-job API traffic with its fabric8 client: "
                + "serialise + raw POST of the job pod, informer events ADDED/MODIFIED/DELETED, one deletecollection per execution");
        doc.put("nodes", NODES);
        doc.put("executions", EXECUTIONS);
        doc.put("warmUpExecutions", WARM_UP);
        doc.put("inFlight", IN_FLIGHT);
        doc.put("podJsonBytes", podBytes);
        doc.put("cpuMsPerJobAfterWarmUp", msPerJob);
        doc.put("cpuMsPerJobByThreadGroup", byThreads);
        Measure.write(out, doc);
    }

    /**
     * The child process: args = master URL, pod JSON file. Runs the executions, prints
     * "execution N done" after each, then waits for stdin to close.
     */
    public static void main(String[] args) throws Exception {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(args[0]).withTrustCerts(true).build();
        try (KubernetesClient client = TokenRefreshThrottle.clientBuilder(config).build()) {
            String template = Files.readString(Path.of(args[1]));
            String podsPath = "/api/v1/namespaces/" + NS + "/pods";
            Map<String, CountDownLatch> running = new ConcurrentHashMap<>();
            Semaphore slots = new Semaphore(IN_FLIGHT);
            java.util.Set<String> counted = ConcurrentHashMap.newKeySet();
            ResourceEventHandler<Pod> handler = new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod p) {
                    seen(p);
                }

                @Override
                public void onUpdate(Pod oldPod, Pod p) {
                    seen(p);
                }

                @Override
                public void onDelete(Pod p, boolean unknown) {
                }

                private void seen(Pod p) {
                    if (p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase())) {
                        CountDownLatch execution = running.get(p.getMetadata().getLabels().get(JobLabels.EXECUTION_ID));
                        if (execution != null && counted.add(p.getMetadata().getName())) {
                            execution.countDown();
                            slots.release();
                        }
                    }
                }
            };
            SharedIndexInformer<Pod> informer = client.pods().inNamespace(NS).withLabel(JobLabels.OWNER, "bench").runnableInformer(0);
            informer.addEventHandler(handler);
            informer.start().toCompletableFuture().get(1, TimeUnit.MINUTES);
            // As the controller's dispatch: a few threads, each serialising its own pod.
            ExecutorService dispatch = Executors.newFixedThreadPool(4);
            ThreadLocal<Pod> pods = ThreadLocal.withInitial(() -> client.getKubernetesSerialization().unmarshal(template, Pod.class));
            for (int e = 1; e <= EXECUTIONS; e++) {
                String id = "2026112810" + String.format("%04d", e);
                CountDownLatch done = new CountDownLatch(NODES);
                running.put(id, done);
                String selector = JobLabels.OWNER + "=bench," + JobLabels.EXECUTION_ID + "!=" + id;
                client.raw(podsPath + "?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8), "DELETE",
                        "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0}");
                for (int n = 0; n < NODES; n++) {
                    slots.acquire();
                    String node = "node-" + n;
                    dispatch.execute(() -> {
                        Pod p = pods.get();
                        p.getMetadata().setName("bench-job-" + node + "-" + id);
                        p.getMetadata().getLabels().put(JobLabels.EXECUTION_ID, id);
                        p.getSpec().setNodeName(node);
                        try {
                            client.raw(podsPath, "POST", client.getKubernetesSerialization().asJson(p));
                        } catch (RuntimeException failed) {
                            failed.printStackTrace();
                            System.exit(2);
                        }
                    });
                }
                if (!done.await(10, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("execution " + e + ": " + done.getCount() + " jobs did not succeed");
                }
                running.remove(id);
                System.out.println("execution " + e + " done");
                System.out.flush();
            }
            while (System.in.read() >= 0) {
                // the parent has read the figures when it closes our stdin (threads still alive, so /proc lists them)
            }
            dispatch.shutdown();
            informer.stop();
        }
    }
}

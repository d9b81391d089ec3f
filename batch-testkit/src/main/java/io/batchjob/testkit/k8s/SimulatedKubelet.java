package io.batchjob.testkit.k8s;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A kubelet for tests: watches pods bound to a node ({@code spec.nodeName}) and moves them through
 * their phases with full status updates, as the behaviour chosen per pod says. Counts how many pods
 * run at once. Status updates are PUTs of the whole status (the mock deep-merges arrays in patches).
 */
public final class SimulatedKubelet implements AutoCloseable {

    public enum Behaviour { SUCCEED, FAIL, HOLD_RUNNING, PENDING_FOREVER, IMAGE_PULL_ERROR, UNSCHEDULABLE,
        /**
         * Runs the first container's command and args as a local process with the container's env (ConfigMap volume
         * mounts materialised locally); its exit code decides.
         */
        RUN_COMMAND }

    private final KubernetesClient client;
    private final String namespace;
    private final Function<Pod, Behaviour> behaviour;
    private ExecutorService executor = Executors.newFixedThreadPool(4);
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger livePeak = new AtomicInteger();
    private volatile java.util.function.Consumer<Pod> beforeSuccess = p -> { };
    private SharedIndexInformer<Pod> informer;
    private Map<String, String> labels = Map.of();

    public SimulatedKubelet(KubernetesClient client, String namespace, Function<Pod, Behaviour> behaviour) {
        this.client = client;
        this.namespace = namespace;
        this.behaviour = behaviour;
    }

    /** Handles only pods with these labels (e.g. one controller's), not every bound pod of the namespace. Call before {@link #start()}. */
    public SimulatedKubelet onlyLabelled(Map<String, String> labels) {
        this.labels = Map.copyOf(labels);
        return this;
    }

    /** Runs up to {@code n} pods at once (4 by default); call before {@link #start()}. */
    public SimulatedKubelet threads(int n) {
        executor.shutdown();
        executor = Executors.newFixedThreadPool(n);
        return this;
    }

    public SimulatedKubelet start() {
        informer = client.pods().inNamespace(namespace).withLabels(labels).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                if (pod.getSpec() != null && pod.getSpec().getNodeName() != null && seen.add(pod.getMetadata().getName())) {
                    live.add(pod.getMetadata().getName());
                    livePeak.accumulateAndGet(live.size(), Math::max);
                    executor.execute(() -> run(pod.getMetadata().getName(), behaviour.apply(pod)));
                }
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                running.remove(pod.getMetadata().getName());
                live.remove(pod.getMetadata().getName());
            }
        }, 0);
        return this;
    }

    private void run(String name, Behaviour b) {
        switch (b) {
            case SUCCEED -> {
                // A log as a real container leaves one, so savePodLog has something to save.
                output.putIfAbsent(name, "simulated kubelet: the container exited 0 without running its command\n");
                toRunning(name);
                Pod pod = client.pods().inNamespace(namespace).withName(name).get();
                if (pod != null) {
                    beforeSuccess.accept(pod);
                }
                finish(name, 0);
            }
            case FAIL -> {
                output.putIfAbsent(name, "simulated kubelet: the container failed with exit code 1\n");
                toRunning(name);
                finish(name, 1);
            }
            case HOLD_RUNNING -> toRunning(name);
            case RUN_COMMAND -> {
                toRunning(name);
                Pod pod = client.pods().inNamespace(namespace).withName(name).get();
                if (pod == null) {
                    return;
                }
                int code = runLocally(pod);
                if (code == 0) {
                    beforeSuccess.accept(pod);
                }
                finish(name, code);
            }
            case PENDING_FOREVER -> status(name, p -> {
                p.getStatus().setPhase("Pending");
                return p;
            });
            case IMAGE_PULL_ERROR -> status(name, p -> {
                p.getStatus().setPhase("Pending");
                p.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder().withName(p.getSpec().getContainers().get(0).getName())
                        .withNewState().withNewWaiting().withReason("ErrImagePull").withMessage("pull access denied").endWaiting().endState()
                        .withReady(false).withRestartCount(0).withImage(p.getSpec().getContainers().get(0).getImage()).build()));
                return p;
            });
            case UNSCHEDULABLE -> status(name, p -> {
                p.getStatus().setPhase("Pending");
                p.getStatus().setConditions(List.of(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                        .withReason("Unschedulable").withMessage("0/3 nodes are available").build()));
                return p;
            });
        }
    }

    private final Map<String, String> output = new ConcurrentHashMap<>();
    /** Job processes running now; stopped (with their children) when the kubelet closes. */
    private final Set<Process> processes = ConcurrentHashMap.newKeySet();

    /** What a RUN_COMMAND pod printed (stdout and stderr), by pod name. */
    public Map<String, String> output() {
        return output;
    }

    private int runLocally(Pod pod) {
        var container = pod.getSpec().getContainers().get(0);
        List<String> command = new java.util.ArrayList<>(java.util.Optional.ofNullable(container.getCommand()).orElse(List.of()));
        command.addAll(java.util.Optional.ofNullable(container.getArgs()).orElse(List.of()));
        java.nio.file.Path mounts = null;
        try {
            // ConfigMap volumes (e.g. the Go chart's run.sh) are written to a temporary directory, and paths into
            // their mounts in the command are pointed there: the image is ignored, the host's tools stand in for it.
            mounts = java.nio.file.Files.createTempDirectory("kubelet-mounts-");
            command = configMapMounts(pod, container, mounts, command);
        } catch (java.io.IOException e) {
            output.put(pod.getMetadata().getName(), e.toString());
            return 127;
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        String path = env.get("PATH");
        env.clear();
        env.put("PATH", path);
        java.util.Optional.ofNullable(container.getEnv()).orElse(List.of()).stream().filter(e -> e.getValue() != null)
                .forEach(e -> env.put(e.getName(), e.getValue()));
        Process p = null;
        try {
            p = pb.start();
            processes.add(p);
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 137;
            }
            output.put(pod.getMetadata().getName(), out);
            return p.exitValue();
        } catch (java.io.IOException e) {
            output.put(pod.getMetadata().getName(), e.toString());
            return 127;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } finally {
            if (p != null) {
                processes.remove(p);
            }
            deleteQuietly(mounts);
        }
    }

    /** The job processes running now (a job script and whatever it started). */
    public Set<Process> processes() {
        return Set.copyOf(processes);
    }

    /** Materialises the container's ConfigMap mounts under {@code root}; returns the command with mount paths mapped there. */
    private List<String> configMapMounts(Pod pod, io.fabric8.kubernetes.api.model.Container container, java.nio.file.Path root,
                                         List<String> command) throws java.io.IOException {
        Map<String, io.fabric8.kubernetes.api.model.Volume> volumes = new java.util.HashMap<>();
        java.util.Optional.ofNullable(pod.getSpec().getVolumes()).orElse(List.of()).forEach(v -> volumes.put(v.getName(), v));
        List<String> mapped = new java.util.ArrayList<>(command);
        int i = 0;
        for (var mount : java.util.Optional.ofNullable(container.getVolumeMounts()).orElse(List.of())) {
            var volume = volumes.get(mount.getName());
            if (volume == null || volume.getConfigMap() == null) {
                continue;
            }
            var configMap = client.configMaps().inNamespace(namespace).withName(volume.getConfigMap().getName()).get();
            Map<String, String> data = configMap == null || configMap.getData() == null ? Map.of() : configMap.getData();
            java.nio.file.Path local = root.resolve("mount-" + i++);
            if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
                java.nio.file.Files.writeString(local, data.getOrDefault(mount.getSubPath(), ""));
            } else {
                java.nio.file.Files.createDirectories(local);
                for (Map.Entry<String, String> e : data.entrySet()) {
                    java.nio.file.Files.writeString(local.resolve(e.getKey()), e.getValue());
                }
            }
            String target = local.toString();
            mapped.replaceAll(arg -> arg.replace(mount.getMountPath(), target));
        }
        return mapped;
    }

    private static void deleteQuietly(java.nio.file.Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            // a temporary directory
        }
    }

    private void toRunning(String name) {
        status(name, p -> {
            p.getStatus().setPhase("Running");
            p.getStatus().setStartTime(Instant.now().toString());
            return p;
        });
        running.add(name);
        peak.accumulateAndGet(running.size(), Math::max);
    }

    /** Ends a pod as its main container's exit code says. */
    public void finish(String name, int exitCode) {
        running.remove(name);
        live.remove(name);
        status(name, p -> {
            p.getStatus().setPhase(exitCode == 0 ? "Succeeded" : "Failed");
            ContainerStatus cs = new ContainerStatusBuilder().withName(p.getSpec().getContainers().get(0).getName())
                    .withNewState().withNewTerminated().withExitCode(exitCode).withReason(exitCode == 0 ? "Completed" : "Error")
                    .endTerminated().endState().withReady(false).withRestartCount(0).withImage(p.getSpec().getContainers().get(0).getImage()).build();
            p.getStatus().setContainerStatuses(List.of(cs));
            return p;
        });
    }

    private void status(String name, UnaryOperator<Pod> change) {
        // As a kubelet: conflicts are retried at once, an API server that does not answer (stopped, restarting)
        // again after a pause, for up to two minutes.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        for (int conflicts = 0; conflicts < 10; ) {
            try {
                Pod pod = client.pods().inNamespace(namespace).withName(name).get();
                if (pod == null) {
                    return;
                }
                if (pod.getStatus() == null) {
                    pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
                }
                client.pods().inNamespace(namespace).resource(change.apply(pod)).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return; // deleted meanwhile
                }
                if (e.getCode() == 409) {
                    conflicts++;
                } else if ((e.getCode() <= 0 || e.getCode() >= 500) && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()
                        && !executor.isShutdown()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
                } else {
                    throw e;
                }
            }
        }
    }

    /** Runs on a succeeding pod before it ends, e.g. to post the job's result. */
    public SimulatedKubelet beforeSuccess(java.util.function.Consumer<Pod> hook) {
        this.beforeSuccess = hook;
        return this;
    }

    /** The most pods that existed at once without having ended (running, pending or stuck). */
    public int peakLive() {
        return livePeak.get();
    }

    public int peakRunning() {
        return peak.get();
    }

    Map<String, Boolean> runningNow() {
        Map<String, Boolean> m = new ConcurrentHashMap<>();
        running.forEach(r -> m.put(r, true));
        return m;
    }

    @Override
    public void close() throws InterruptedException {
        if (informer != null) {
            informer.stop();
        }
        // As a node going away: the job processes (and what they started) end with the kubelet.
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}

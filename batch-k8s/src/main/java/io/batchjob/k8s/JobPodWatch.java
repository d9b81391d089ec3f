package io.batchjob.k8s;

import io.batchjob.core.Shutdown;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEndListener;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Watches this controller's job pods and reports each watched job's end once: the pod Succeeded or
 * Failed, was deleted by someone else, or could not start ({@link JobPodStatus#stuckReason}) for
 * longer than the start grace — such a pod is deleted first. With a {@link PodLogSaver} the pod's
 * logs are saved, every watched job's secret redacted, before the end is reported.
 *
 * <p>Threading: one informer (its callbacks only hand the pod on) and one event thread, which alone
 * evaluates pods and runs the grace checks (scheduled, never polled). {@code watched} is a
 * concurrent map written by the engine's dispatch threads (through {@link KubernetesJobBackend})
 * and the event thread; a job's {@link Job#ended} flag makes its end reported once.
 */
final class JobPodWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JobPodWatch.class);

    /** A job whose end this watch reports. */
    static final class Job {
        final String executionId;
        final String node;
        final int attempt;
        final String secret;
        final JobEndListener listener;
        final AtomicBoolean ended = new AtomicBoolean();
        /** Touched by the event thread only. */
        boolean graceCheckPlanned;

        Job(String executionId, String node, int attempt, String secret, JobEndListener listener) {
            this.executionId = executionId;
            this.node = node;
            this.attempt = attempt;
            this.secret = secret;
            this.listener = listener;
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String controllerName;
    private final Duration startGrace;
    private final PodLogSaver logSaver;
    private final Consumer<String> deleteNow;
    private final ScheduledExecutorService events;
    private final Map<String, Job> watched = new ConcurrentHashMap<>();
    private volatile SharedIndexInformer<Pod> informer;
    private volatile String watchProblem;

    /**
     * @param logSaver  saves an ended pod's logs, or null
     * @param deleteNow deletes a pod by name at once (a pod that cannot start)
     */
    JobPodWatch(KubernetesClient client, String namespace, String controllerName, Duration startGrace, PodLogSaver logSaver,
                Consumer<String> deleteNow) {
        this.client = client;
        this.namespace = namespace;
        this.controllerName = controllerName;
        this.startGrace = startGrace;
        this.logSaver = logSaver;
        this.deleteNow = deleteNow;
        this.events = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pod-events");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts the informer and waits for its first list.
     *
     * @throws IllegalStateException when the pods cannot be listed within the timeout
     */
    void start(Duration syncTimeout) {
        SharedIndexInformer<Pod> started = client.pods().inNamespace(namespace).withLabel(JobLabels.OWNER, controllerName).runnableInformer(0);
        started.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                events.execute(() -> evaluate(pod, false));
            }

            @Override
            public void onUpdate(Pod oldPod, Pod pod) {
                events.execute(() -> evaluate(pod, false));
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                events.execute(() -> evaluate(pod, true));
            }
        });
        started.exceptionHandler((isStarted, t) -> {
            watchProblem = t.toString();
            LOG.warn("pod watch failed, retrying: {}", t.toString());
            return true;
        });
        informer = started;
        try {
            started.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing job pods");
        } catch (ExecutionException | TimeoutException e) {
            // The informer retries by itself; what it last failed with says why (e.g. 403 Forbidden).
            String why = watchProblem().orElseGet(() -> e.getCause() != null ? e.getCause().toString() : e.toString());
            throw new IllegalStateException("cannot list and watch the job pods of " + controllerName + " in " + namespace
                    + " within " + syncTimeout.toSeconds() + " s: " + why, e);
        }
    }

    boolean hasSynced() {
        SharedIndexInformer<Pod> i = informer;
        return i != null && i.hasSynced();
    }

    boolean isWatching() {
        SharedIndexInformer<Pod> i = informer;
        return i != null && i.isWatching();
    }

    Optional<String> watchProblem() {
        return Optional.ofNullable(watchProblem);
    }

    /** An attempt of the node's job in this execution, other than {@code attempt}, that has not ended. */
    Optional<Job> otherRunningAttempt(String executionId, String node, int attempt) {
        // Only jobs that have not ended are watched: at most the pool, so the scan is short.
        return watched.values().stream().filter(o -> o.node.equals(node) && o.executionId.equals(executionId) && o.attempt != attempt
                && !o.ended.get()).findFirst();
    }

    /** Watches the pod {@code podName} for {@code job}; false when a job with that pod is watched already. */
    boolean watch(String podName, Job job) {
        return watched.putIfAbsent(podName, job) == null;
    }

    /** Takes back a {@link #watch} whose pod was never created. */
    void unwatch(String podName, Job job) {
        watched.remove(podName, job);
    }

    /** Watches an existing pod (after a restart or takeover) and evaluates it at once: it may have ended already. */
    void adopt(String podName, Job job) {
        watched.put(podName, job);
        events.execute(() -> {
            SharedIndexInformer<Pod> i = informer;
            Pod cached = i == null ? null : i.getStore().getByKey(namespace + "/" + podName);
            if (cached == null) {
                cached = client.pods().inNamespace(namespace).withName(podName).get();
            }
            if (cached == null) {
                end(podName, job, JobEnd.failed("the job pod no longer exists"), null);
            } else {
                evaluate(cached, false);
            }
        });
    }

    /** Stops watching the pod: the engine has decided how its job ended. */
    void forget(String podName) {
        Job job = watched.remove(podName);
        if (job != null) {
            job.ended.set(true);
        }
    }

    /** Stops watching every job of other executions: their pods' deletion ends nothing. */
    void forgetAllExcept(String executionId) {
        watched.entrySet().removeIf(e -> {
            if (!e.getValue().executionId.equals(executionId)) {
                e.getValue().ended.set(true);
                return true;
            }
            return false;
        });
    }

    /** Runs on the event thread only. */
    private void evaluate(Pod pod, boolean deleted) {
        String name = pod.getMetadata().getName();
        Job job = watched.get(name);
        if (job == null || job.ended.get()) {
            return;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase)) {
            end(name, job, JobEnd.succeeded(), pod);
        } else if ("Failed".equals(phase)) {
            end(name, job, JobEnd.failed(JobPodStatus.failureReason(pod)), pod);
        } else if (deleted) {
            end(name, job, JobEnd.failed("the job pod was deleted"), null);
        } else {
            JobPodStatus.stuckReason(pod).ifPresent(reason -> planGraceCheck(name, job, reason));
        }
    }

    /** Runs on the event thread only. */
    private void planGraceCheck(String name, Job job, String reason) {
        if (job.graceCheckPlanned) {
            return;
        }
        job.graceCheckPlanned = true;
        LOG.info("pod {} cannot start ({}); giving it {} before ending the job", name, reason, startGrace);
        events.schedule(() -> {
            job.graceCheckPlanned = false;
            if (job.ended.get()) {
                return;
            }
            SharedIndexInformer<Pod> i = informer;
            Pod now = i == null ? null : i.getStore().getByKey(namespace + "/" + name);
            Optional<String> still = now == null ? Optional.empty() : JobPodStatus.stuckReason(now);
            if (still.isPresent()) {
                // Delete before reporting the end: the end frees the pool slot, and the next pod must not
                // exist beside this one.
                try {
                    deleteNow.accept(name);
                } catch (RuntimeException e) {
                    LOG.warn("could not delete the stuck pod {}: {}", name, e.toString());
                }
                end(name, job, JobEnd.failed("the job pod could not start: " + still.get()), null);
            } else if (now != null) {
                evaluate(now, false);
            }
        }, startGrace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void end(String name, Job job, JobEnd end, Pod pod) {
        if (!job.ended.compareAndSet(false, true)) {
            return;
        }
        watched.remove(name, job);
        if (logSaver != null && pod != null) {
            // No job's secret may be in a saved log: this job's, and every other one still watched.
            Set<String> secrets = new HashSet<>();
            Optional.ofNullable(job.secret).ifPresent(secrets::add);
            Optional.ofNullable(JobPodStatus.secretOf(pod)).ifPresent(secrets::add);
            watched.values().forEach(other -> Optional.ofNullable(other.secret).ifPresent(secrets::add));
            logSaver.save(job.executionId, job.node, job.attempt, pod, secrets);
        }
        try {
            job.listener.jobEnded(end);
        } catch (RuntimeException e) {
            LOG.error("job end listener failed for pod {}", name, e);
        }
    }

    @Override
    public void close() {
        SharedIndexInformer<Pod> i = informer;
        if (i != null) {
            i.stop();
        }
        Shutdown.gracefully(events, Duration.ofSeconds(5));
    }
}

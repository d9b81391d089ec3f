package io.batchjob.k8s;

import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEndListener;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

/**
 * Runs jobs as pods. One informer watches this controller's pods (owner label); its callbacks
 * only hand the pod to the backend's single event thread, which decides whether a job ended:
 * the pod Succeeded or Failed, was deleted by someone else, or could not start
 * (Unschedulable, ErrImagePull / ImagePullBackOff, CreateContainerConfigError, InvalidImageName)
 * for longer than the start grace — such pods are deleted. With {@code savePodLog} every
 * container's log is saved as {@code <node>-container-<container>.log} before the end is reported.
 *
 * <p>Threading: the informer's thread, one event thread (also used for grace checks, scheduled —
 * never polled) and the engine's dispatch threads calling the {@link JobBackend} methods.
 * {@code watched} is a concurrent map; each job's end is reported once.
 */
public final class KubernetesJobBackend implements JobBackend, AutoCloseable {

    /** Waiting reasons after which a container will not start by itself. */
    static final Set<String> STUCK_REASONS = Set.of("ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError",
            "InvalidImageName", "CreateContainerError");
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesJobBackend.class);
    /** {@code withGracePeriod(0)}: job pods of an earlier execution have nothing left to finish. */
    /** A namespace name as the API server accepts it: an RFC 1123 DNS label (request paths are built from it). */
    public static final java.util.regex.Pattern NAMESPACE_NAME = java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final String DELETE_NOW = "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0}";

    private final KubernetesClient client;
    private final String namespace;
    private final String controllerName;
    /** Where job pods are created: {@code /api/v1/namespaces/<namespace>/pods} (a namespace is a DNS label). */
    private final String podsPath;
    /** Replaced by a config reload; each launch uses the one current then. */
    private volatile JobPodFactory factory;
    private final Duration startGrace;
    private final PodLogSaver logSaver;
    private final ScheduledExecutorService events;
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();
    private SharedIndexInformer<Pod> informer;
    private volatile String watchProblem;

    /** A job this backend reports the end of. */
    private static final class Watched {
        final String executionId;
        final String node;
        final int attempt;
        final String secret;
        final JobEndListener listener;
        final AtomicBoolean ended = new AtomicBoolean();
        volatile boolean graceCheckPlanned;

        Watched(String executionId, String node, int attempt, String secret, JobEndListener listener) {
            this.executionId = executionId;
            this.node = node;
            this.attempt = attempt;
            this.secret = secret;
            this.listener = listener;
        }
    }

    /**
     * @param logStore where pod logs go with {@code savePodLog}, or {@code null} to not save them
     * @param startGrace how long a pod may fail to start before it is given up
     */
    public KubernetesJobBackend(KubernetesClient client, String namespace, String controllerName, JobPodFactory factory,
                                Duration startGrace, ReportStore logStore) {
        this.client = client;
        this.namespace = namespace;
        this.controllerName = controllerName;
        if (!NAMESPACE_NAME.matcher(namespace).matches()) {
            throw new IllegalArgumentException("not a namespace name: '" + namespace + "'");
        }
        this.podsPath = "/api/v1/namespaces/" + namespace + "/pods";
        this.factory = factory;
        this.startGrace = startGrace;
        this.logSaver = logStore == null ? null : new PodLogSaver(client, namespace, logStore);
        this.events = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pod-events");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts the pod informer and waits for its first list.
     *
     * @throws IllegalStateException when the pods cannot be listed within the timeout
     */
    /** Jobs launched from now on are built by this factory (a reloaded pod template or config). */
    public void podFactory(JobPodFactory newFactory) {
        this.factory = java.util.Objects.requireNonNull(newFactory, "factory");
    }

    public void start(Duration syncTimeout) {
        informer = client.pods().inNamespace(namespace).withLabel(JobLabels.OWNER, controllerName).runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
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
        informer.exceptionHandler((isStarted, t) -> {
            watchProblem = t.toString();
            LOG.warn("pod watch failed, retrying: {}", t.toString());
            return true;
        });
        try {
            informer.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
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

    /** Whether the pod watch has its first full list (a readiness check). */
    public boolean hasSynced() {
        return informer != null && informer.hasSynced();
    }

    /** Whether the pod watch is open right now (it re-opens by itself after failures). */
    public boolean isWatching() {
        return informer != null && informer.isWatching();
    }

    /** The last failure of the pod list or watch (e.g. 403 Forbidden), if there was one. */
    public Optional<String> watchProblem() {
        return Optional.ofNullable(watchProblem);
    }

    @Override
    public void launch(JobRequest request, JobEndListener listener) throws JobLaunchException {
        Pod pod;
        try {
            pod = factory.create(request);
        } catch (RuntimeException e) {
            throw new JobLaunchException("the pod template cannot be turned into a pod: " + e.getMessage(), e);
        }
        String name = pod.getMetadata().getName();
        Watched w = new Watched(request.executionId(), request.node(), request.attempt(), request.callbackSecret(), listener);
        // An earlier attempt of the node that has not ended: never two pods of a node at once. (Only jobs
        // that have not ended are watched: at most the pool, so the scan is short.)
        for (Watched other : watched.values()) {
            if (other.node.equals(request.node()) && other.executionId.equals(request.executionId()) && other.attempt != request.attempt()
                    && !other.ended.get()) {
                throw new JobLaunchException("attempt " + other.attempt + " of the job on node " + request.node() + " has not ended");
            }
        }
        // Registered before the create, so an end seen by the watch right after is not missed.
        if (watched.putIfAbsent(name, w) != null) {
            throw new JobLaunchException("a job pod named " + name + " is already running");
        }
        try {
            // A raw POST of the serialised pod: the same request, interceptors, retries and errors as
            // resource(pod).create(), without reading the answer into a Pod nobody uses (the informer
            // delivers the pod) — that read and the DSL's per-call contexts were a third of a launch's CPU.
            client.raw(podsPath, "POST", client.getKubernetesSerialization().asJson(pod));
        } catch (KubernetesClientException e) {
            if (mayHaveBeenCreated(e) && createdByThisLaunch(name, request.callbackSecret())) {
                // The answer was lost (timeout, 5xx after the write, or 409 on the client's own retry), the pod exists.
                LOG.info("pod {} exists although creating it reported {}; watching it", name, describe(e));
                return;
            }
            watched.remove(name, w);
            if (e.getCode() == 409) {
                throw new JobLaunchException("a job pod named " + name + " already exists", e);
            }
            if (e.getCode() <= 0) {
                throw new JobLaunchException("the pod " + name + " could not be created: " + statusMessage(e), e);
            }
            throw new JobLaunchException("the API server refused the pod " + name + " (" + e.getCode() + "): " + statusMessage(e), e);
        }
        LOG.debug("created pod {}", name);
    }

    /** No answer, a server error or a conflict: the pod may exist although the call failed. A 4xx rejection means it does not. */
    private static boolean mayHaveBeenCreated(KubernetesClientException e) {
        return e.getCode() <= 0 || e.getCode() == 409 || e.getCode() >= 500;
    }

    /**
     * Whether the pod named {@code name} is the one this launch asked for: its callback secret is
     * random per launch, so only our own create can have put it there.
     */
    private boolean createdByThisLaunch(String name, String secret) {
        try {
            Pod existing = client.pods().inNamespace(namespace).withName(name).get();
            return existing != null && existing.getMetadata().getDeletionTimestamp() == null && secret.equals(secretOf(existing));
        } catch (KubernetesClientException e) {
            LOG.warn("cannot check whether pod {} exists after a failed create: {}", name, describe(e));
            return false;
        }
    }

    private static String describe(KubernetesClientException e) {
        return (e.getCode() > 0 ? e.getCode() + " " : "") + statusMessage(e);
    }

    @Override
    public void adopt(ExistingJob job, JobEndListener listener) {
        String name = PodNames.of(controllerName, job.node(), job.executionId(), job.attempt());
        Watched w = new Watched(job.executionId(), job.node(), job.attempt(), job.callbackSecret(), listener);
        watched.put(name, w);
        events.execute(() -> {
            Pod cached = informer == null ? null : informer.getStore().getByKey(namespace + "/" + name);
            if (cached == null) {
                cached = client.pods().inNamespace(namespace).withName(name).get();
            }
            if (cached == null) {
                end(name, w, JobEnd.failed("the job pod no longer exists"), null);
            } else {
                evaluate(cached, false);
            }
        });
    }

    @Override
    public List<ExistingJob> existingJobs() {
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel(JobLabels.OWNER, controllerName).list().getItems();
        List<ExistingJob> jobs = new ArrayList<>();
        for (Pod p : pods) {
            String execution = Optional.ofNullable(p.getMetadata().getLabels()).map(l -> l.get(JobLabels.EXECUTION_ID)).orElse(null);
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            if (execution == null || node == null || p.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            Instant created = p.getMetadata().getCreationTimestamp() == null ? null : Instant.parse(p.getMetadata().getCreationTimestamp());
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            JobEnd end = "Succeeded".equals(phase) ? JobEnd.succeeded() : "Failed".equals(phase) ? JobEnd.failed(failureReason(p)) : null;
            jobs.add(new ExistingJob(execution, node, secretOf(p), created, attemptOf(p), end));
        }
        return jobs;
    }

    @Override
    public void stop(String executionId, String node) {
        stop(executionId, node, 1);
    }

    @Override
    public void stop(String executionId, String node, int attempt) {
        String name = PodNames.of(controllerName, node, executionId, attempt);
        Watched w = watched.remove(name);
        if (w != null) {
            w.ended.set(true); // the engine already decided how this job ended
        }
        delete(name);
    }

    @Override
    public void deleteJobsExcept(String executionId) {
        // Jobs of earlier executions are no longer watched: their deletion ends nothing.
        watched.entrySet().removeIf(e -> {
            if (!e.getValue().executionId.equals(executionId)) {
                e.getValue().ended.set(true);
                return true;
            }
            return false;
        });
        // One request for all of them (the Go controller's DeleteAllOf): this controller's pods of any other execution.
        // Raw, because the answer lists every deleted pod and the DSL would read them all into Pods (thousands per
        // execution, as much CPU as their creates' answers) to return StatusDetails nobody uses.
        String selector = JobLabels.OWNER + "=" + controllerName + "," + JobLabels.EXECUTION_ID + "!=" + executionId;
        client.raw(podsPath + "?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8), "DELETE", DELETE_NOW);
    }

    private void delete(String name) {
        try {
            client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** Runs on the event thread only. */
    private void evaluate(Pod pod, boolean deleted) {
        String name = pod.getMetadata().getName();
        Watched w = watched.get(name);
        if (w == null || w.ended.get()) {
            return;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase)) {
            end(name, w, JobEnd.succeeded(), pod);
        } else if ("Failed".equals(phase)) {
            end(name, w, JobEnd.failed(failureReason(pod)), pod);
        } else if (deleted) {
            end(name, w, JobEnd.failed("the job pod was deleted"), null);
        } else {
            stuckReason(pod).ifPresent(reason -> planGraceCheck(name, w, reason));
        }
    }

    private void planGraceCheck(String name, Watched w, String reason) {
        if (w.graceCheckPlanned) {
            return;
        }
        w.graceCheckPlanned = true;
        LOG.info("pod {} cannot start ({}); giving it {} before ending the job", name, reason, startGrace);
        events.schedule(() -> {
            w.graceCheckPlanned = false;
            if (w.ended.get()) {
                return;
            }
            Pod now = informer == null ? null : informer.getStore().getByKey(namespace + "/" + name);
            Optional<String> still = now == null ? Optional.empty() : stuckReason(now);
            if (still.isPresent()) {
                // Delete before reporting the end: the end frees the pool slot, and the next pod must not
                // exist beside this one.
                try {
                    delete(name);
                } catch (RuntimeException e) {
                    LOG.warn("could not delete the stuck pod {}: {}", name, e.toString());
                }
                end(name, w, JobEnd.failed("the job pod could not start: " + still.get()), null);
            } else if (now != null) {
                evaluate(now, false);
            }
        }, startGrace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void end(String name, Watched w, JobEnd end, Pod pod) {
        if (!w.ended.compareAndSet(false, true)) {
            return;
        }
        watched.remove(name, w);
        if (logSaver != null && pod != null) {
            // No job's secret may be in a saved log: this job's, and every other one still watched.
            Set<String> secrets = new java.util.HashSet<>();
            Optional.ofNullable(w.secret).ifPresent(secrets::add);
            Optional.ofNullable(secretOf(pod)).ifPresent(secrets::add);
            watched.values().forEach(other -> Optional.ofNullable(other.secret).ifPresent(secrets::add));
            logSaver.save(w.executionId, w.node, w.attempt, pod, secrets);
        }
        try {
            w.listener.jobEnded(end);
        } catch (RuntimeException e) {
            LOG.error("job end listener failed for pod {}", name, e);
        }
    }

    /** Why a pod that is still Pending will not start, if it will not. */
    static Optional<String> stuckReason(Pod pod) {
        if (pod.getStatus() == null || !"Pending".equals(Optional.ofNullable(pod.getStatus().getPhase()).orElse("Pending"))) {
            return Optional.empty();
        }
        for (PodCondition c : Optional.ofNullable(pod.getStatus().getConditions()).orElse(List.of())) {
            if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
                return Optional.of("Unschedulable" + (c.getMessage() == null ? "" : ": " + c.getMessage()));
            }
        }
        List<ContainerStatus> statuses = new ArrayList<>(Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).orElse(List.of()));
        statuses.addAll(Optional.ofNullable(pod.getStatus().getContainerStatuses()).orElse(List.of()));
        for (ContainerStatus s : statuses) {
            if (s.getState() != null && s.getState().getWaiting() != null && STUCK_REASONS.contains(s.getState().getWaiting().getReason())) {
                String message = s.getState().getWaiting().getMessage();
                return Optional.of(s.getState().getWaiting().getReason() + " in container " + s.getName() + (message == null ? "" : ": " + message));
            }
        }
        return Optional.empty();
    }

    static String failureReason(Pod pod) {
        List<ContainerStatus> statuses = new ArrayList<>(Optional.ofNullable(pod.getStatus().getInitContainerStatuses()).orElse(List.of()));
        statuses.addAll(Optional.ofNullable(pod.getStatus().getContainerStatuses()).orElse(List.of()));
        for (ContainerStatus s : statuses) {
            var terminated = s.getState() == null ? null : s.getState().getTerminated();
            if (terminated != null && terminated.getExitCode() != null && terminated.getExitCode() != 0) {
                return "container " + s.getName() + " exited with code " + terminated.getExitCode()
                        + (terminated.getReason() == null ? "" : " (" + terminated.getReason() + ")");
            }
        }
        String reason = pod.getStatus().getReason();
        String message = pod.getStatus().getMessage();
        if (reason != null || message != null) {
            return "the job pod failed: " + Optional.ofNullable(reason).orElse("") + (message == null ? "" : " " + message);
        }
        return "the job pod failed";
    }

    /** The attempt a pod runs: its annotation, 1 without one (or an unreadable one: the Go controller's pods). */
    static int attemptOf(Pod pod) {
        String annotated = Optional.ofNullable(pod.getMetadata().getAnnotations()).map(a -> a.get(JobLabels.ATTEMPT)).orElse(null);
        try {
            return annotated == null ? 1 : Math.max(1, Integer.parseInt(annotated.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** The job's secret, recovered from the pod (survives controller restarts). */
    static String secretOf(Pod pod) {
        String annotated = Optional.ofNullable(pod.getMetadata().getAnnotations()).map(a -> a.get(JobLabels.CALLBACK_SECRET)).orElse(null);
        if (annotated != null) {
            return annotated;
        }
        for (Container c : JobPodFactory.allContainers(pod.getSpec())) {
            for (EnvVar e : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
                if (JobEnvironment.CALLBACK_TOKEN.equals(e.getName())) {
                    return e.getValue();
                }
            }
        }
        return null;
    }

    private static String statusMessage(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.stop();
        }
        io.batchjob.core.Shutdown.gracefully(events, Duration.ofSeconds(5));
    }
}

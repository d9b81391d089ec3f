package io.batchjob.k8s;

import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEndListener;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobRequest;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs jobs as pods: creates them from the {@link JobPodFactory} (one raw POST; a lost answer is
 * recognised by the pod's per-launch secret), adopts the pods of earlier processes, lists and deletes
 * them. Whether a job ended is the {@link JobPodWatch}'s business (pod phase, deletion, pods that
 * cannot start), and saving logs the {@link PodLogSaver}'s.
 *
 * <p>Threading: the engine's dispatch threads call the {@link JobBackend} methods; ends are reported
 * from the watch's event thread (see {@link JobPodWatch}).
 */
public final class KubernetesJobBackend implements JobBackend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesJobBackend.class);
    /** A namespace name as the API server accepts it: an RFC 1123 DNS label (request paths are built from it). */
    public static final java.util.regex.Pattern NAMESPACE_NAME = java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** {@code gracePeriodSeconds: 0}: job pods of an earlier execution have nothing left to finish. */
    private static final String DELETE_NOW = "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0}";

    private final KubernetesClient client;
    private final String namespace;
    private final String controllerName;
    /** Where job pods are created: {@code /api/v1/namespaces/<namespace>/pods} (a namespace is a DNS label). */
    private final String podsPath;
    /** Replaced by a config reload; each launch uses the one current then. */
    private volatile JobPodFactory factory;
    private final JobPodWatch watch;

    /**
     * @param logStore where pod logs go with {@code savePodLog}, or {@code null} to not save them
     * @param startGrace how long a pod may fail to start before it is given up
     */
    public KubernetesJobBackend(KubernetesClient client, String namespace, String controllerName, JobPodFactory factory,
                                Duration startGrace, ReportStore logStore) {
        if (!NAMESPACE_NAME.matcher(namespace).matches()) {
            throw new IllegalArgumentException("not a namespace name: '" + namespace + "'");
        }
        this.client = client;
        this.namespace = namespace;
        this.controllerName = controllerName;
        this.podsPath = "/api/v1/namespaces/" + namespace + "/pods";
        this.factory = factory;
        this.watch = new JobPodWatch(client, namespace, controllerName, startGrace,
                logStore == null ? null : new PodLogSaver(client, namespace, logStore), this::delete);
    }

    /** Jobs launched from now on are built by this factory (a reloaded pod template or config). */
    public void podFactory(JobPodFactory newFactory) {
        this.factory = java.util.Objects.requireNonNull(newFactory, "factory");
    }

    /**
     * Starts the pod watch and waits for its first list.
     *
     * @throws IllegalStateException when the pods cannot be listed within the timeout
     */
    public void start(Duration syncTimeout) {
        watch.start(syncTimeout);
    }

    /** Whether the pod watch has its first full list (a readiness check). */
    public boolean hasSynced() {
        return watch.hasSynced();
    }

    /** Whether the pod watch is open right now (it re-opens by itself after failures). */
    public boolean isWatching() {
        return watch.isWatching();
    }

    /** The last failure of the pod list or watch (e.g. 403 Forbidden), if there was one. */
    public Optional<String> watchProblem() {
        return watch.watchProblem();
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
        JobPodWatch.Job job = new JobPodWatch.Job(request.executionId(), request.node(), request.attempt(), request.callbackSecret(), listener);
        // An earlier attempt of the node that has not ended: never two pods of a node at once.
        Optional<JobPodWatch.Job> other = watch.otherRunningAttempt(request.executionId(), request.node(), request.attempt());
        if (other.isPresent()) {
            throw new JobLaunchException("attempt " + other.get().attempt + " of the job on node " + request.node() + " has not ended");
        }
        // Registered before the create, so an end seen by the watch right after is not missed.
        if (!watch.watch(name, job)) {
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
            watch.unwatch(name, job);
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
            return existing != null && existing.getMetadata().getDeletionTimestamp() == null && secret.equals(JobPodStatus.secretOf(existing));
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
        watch.adopt(name, new JobPodWatch.Job(job.executionId(), job.node(), job.attempt(), job.callbackSecret(), listener));
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
            JobEnd end = "Succeeded".equals(phase) ? JobEnd.succeeded() : "Failed".equals(phase) ? JobEnd.failed(JobPodStatus.failureReason(p)) : null;
            jobs.add(new ExistingJob(execution, node, JobPodStatus.secretOf(p), created, JobPodStatus.attemptOf(p), end));
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
        watch.forget(name); // the engine already decided how this job ended
        delete(name);
    }

    @Override
    public void deleteJobsExcept(String executionId) {
        watch.forgetAllExcept(executionId);
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

    private static String statusMessage(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    }

    @Override
    public void close() {
        watch.close();
    }
}

package io.batchjob.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchjob.core.LatestWinsWorker;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.execution.TriggerRequest;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Operator requests made with {@code kubectl annotate} on the controller's ConfigMap:
 * <ul>
 *   <li>{@value #RUN}{@code =<any new value>}: one execution on all selected nodes now (cause
 *   {@code manual}). Each value is handled once, also across restarts and leader changes: the
 *   execution's plan records {@code run=<value>} and the controller sets {@value #RUN_HANDLED}.</li>
 *   <li>{@value #RERUN}{@code =<executionID|latest>}: an execution of the nodes of that execution
 *   that did not succeed and are still Ready and selected (cause {@code rerun:<id>}). The
 *   controller removes the annotation when it takes the request (so the same value can be given
 *   again) and records it in {@value #RERUN_HANDLED}.</li>
 * </ul>
 * Only the leader acts; a new leader looks at the ConfigMap as it finds it. Every request ends
 * in an Event on the ConfigMap saying what happened. A value longer than {@value #MAX_VALUE}
 * characters is refused (and recorded by its digest: annotations share the API's 256 KiB); a
 * failed write of the controller's own annotations is a Warning Event and is tried again, and a
 * failed run request never stops a re-run request from being handled (or the other way round).
 *
 * <p>Threading: {@link #onConfigMap} and {@link #leadershipGained} only queue; one thread of its
 * own handles requests one after another (a trigger does IO), with a bounded queue.
 */
public final class ConfigMapControl implements AutoCloseable {

    /** Run now: any new value starts one execution. */
    public static final String RUN = "batch-job-controller.bakito.github.com/run";
    /** The last {@link #RUN} value handled (set by the controller). */
    public static final String RUN_HANDLED = "batch-job-controller.bakito.github.com/run-handled";
    /** Re-run the nodes of an execution that did not succeed: an execution ID or {@code latest}. */
    public static final String RERUN = "batch-job-controller.bakito.github.com/rerun";
    /** The last {@link #RERUN} request taken, and what came of it (set by the controller). */
    public static final String RERUN_HANDLED = "batch-job-controller.bakito.github.com/rerun-handled";

    /** The longest run or re-run value taken (a DNS subdomain's length: the value is echoed into annotations and Events). */
    public static final int MAX_VALUE = 253;
    /** How long after a failed write of the controller's annotations it tries again, doubling up to {@link #MAX_RETRY}. */
    static final Duration FIRST_RETRY = Duration.ofSeconds(2);
    static final Duration MAX_RETRY = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(ConfigMapControl.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final ExecutionEngine engine;
    private final ConfigMapEvents events;
    private final LatestWinsWorker worker = new LatestWinsWorker("configmap-control", 16);
    private volatile ConfigMap latest;
    private final java.util.concurrent.ScheduledExecutorService retries = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "configmap-control-retry");
        t.setDaemon(true);
        return t;
    });
    /** Only on the worker thread: the delay of the next retry after a failed write (reset by a success). */
    private Duration retryDelay = FIRST_RETRY;
    private volatile boolean retryScheduled;

    public ConfigMapControl(KubernetesClient client, String namespace, String name, ExecutionEngine engine, ConfigMapEvents events) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.engine = engine;
        this.events = events;
    }

    /** The ConfigMap as it is now (from the watch); queues a look at its annotations. */
    public void onConfigMap(ConfigMap configMap) {
        latest = configMap;
        queue();
    }

    /** This controller became the leader: requests made meanwhile are handled now. */
    public void leadershipGained() {
        queue();
    }

    private void queue() {
        if (!worker.offer(this::handleLatest)) {
            // A look is already queued; it reads the newest ConfigMap.
            LOG.debug("a look at ConfigMap {} is already queued", name);
        }
    }

    /** Looks finished since start (a test waits for the next one instead of for a while). */
    long completedLooks() {
        return worker.completed();
    }

    private void handleLatest() {
        ConfigMap cm = latest;
        if (cm == null || !engine.isActive()) {
            return; // not the leader: the leader handles it
        }
        Map<String, String> annotations = Optional.ofNullable(cm.getMetadata().getAnnotations()).orElse(Map.of());
        boolean failed = false;
        // Each request on its own: a run whose record failed must not stop a re-run, nor the other way round.
        try {
            handleRun(annotations);
        } catch (KubernetesClientException e) {
            failed = true;
            writeFailed("the run request", e);
        }
        try {
            handleRerun(cm, annotations);
        } catch (KubernetesClientException e) {
            failed = true;
            writeFailed("the re-run request", e);
        }
        if (failed) {
            scheduleRetry();
        } else {
            retryDelay = FIRST_RETRY;
        }
    }

    private void writeFailed(String what, KubernetesClientException e) {
        String reason = e.getCode() + " " + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage());
        LOG.warn("cannot record {} on ConfigMap {} (trying again in {}): {}", what, name, retryDelay, reason);
        events.publish(true, "RequestNotRecorded", "cannot record " + what + " on the ConfigMap (trying again in "
                + io.batchjob.core.config.GoDuration.format(retryDelay) + "): " + reason, "Record");
    }

    /** Looks at the ConfigMap again after the retry delay (doubling up to five minutes); one retry pending at a time. */
    private void scheduleRetry() {
        if (retryScheduled) {
            return;
        }
        retryScheduled = true;
        Duration delay = retryDelay;
        retryDelay = retryDelay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retryDelay.multipliedBy(2);
        try {
            retries.schedule(() -> {
                if (!worker.offer(() -> {
                    retryScheduled = false;
                    handleLatest();
                })) {
                    retryScheduled = false; // closed, or a look is queued anyway
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            retryScheduled = false; // closed
        }
    }

    /** What the controller records as handled: the value itself, or its digest when it is too long to take. */
    static String handledForm(String value) {
        if (value.length() <= MAX_VALUE) {
            return value;
        }
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sha256:" + java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The start of a refused value, printable, for an Event. */
    private static String shortened(String value) {
        return value.substring(0, Math.min(value.length(), 40)) + "... (" + value.length() + " characters)";
    }

    private void handleRun(Map<String, String> annotations) {
        String value = annotations.get(RUN);
        if (value == null || handledForm(value).equals(annotations.get(RUN_HANDLED))) {
            return;
        }
        if (value.length() > MAX_VALUE) {
            events.publish(true, "ManualRunRefused", "run '" + shortened(value) + "' refused: a run value may have at most "
                    + MAX_VALUE + " characters", "Run");
            patchAnnotations(Map.of(RUN_HANDLED, handledForm(value)));
            return;
        }
        String request = "run=" + value;
        if (engine.hasExecutionFor(request)) {
            // Started by this or an earlier leader that stopped before recording it.
            LOG.info("run request '{}' was already handled; recording it", value);
            patchAnnotations(Map.of(RUN_HANDLED, value));
            return;
        }
        TriggerOutcome outcome = engine.trigger(new TriggerRequest("manual", null, request, List.of()));
        if (outcome instanceof TriggerOutcome.Started started) {
            events.publish(false, "ManualRunAccepted", "run '" + value + "' started execution " + started.executionId(), "Run");
        } else {
            events.publish(true, "ManualRunRefused", "run '" + value + "' refused: " + reason(outcome), "Run");
        }
        patchAnnotations(Map.of(RUN_HANDLED, value));
    }

    private void handleRerun(ConfigMap cm, Map<String, String> annotations) {
        String value = annotations.get(RERUN);
        if (value == null) {
            return;
        }
        // Take the request first (the annotation goes, on the version we saw): handled at most once.
        try {
            takeRerun(cm.getMetadata().getResourceVersion(), value, handledForm(value));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 422) {
                LOG.info("ConfigMap {} changed while taking the re-run request; looking again", name);
                ConfigMap newer = client.configMaps().inNamespace(namespace).withName(name).get();
                if (newer != null) {
                    onConfigMap(newer);
                }
                return;
            }
            throw e;
        }
        if (value.length() > MAX_VALUE) {
            events.publish(true, "RerunRefused", "re-run of '" + shortened(value) + "' refused: a re-run value (an execution ID or latest)"
                    + " may have at most " + MAX_VALUE + " characters", "Rerun");
            return;
        }
        TriggerOutcome outcome = engine.rerun(value, "rerun=" + value);
        if (outcome instanceof TriggerOutcome.Started started) {
            events.publish(false, "RerunStarted", "re-run of '" + value + "' started execution " + started.executionId(), "Rerun");
        } else {
            events.publish(true, "RerunRefused", "re-run of '" + value + "' refused: " + reason(outcome), "Rerun");
        }
    }

    private static String reason(TriggerOutcome outcome) {
        if (outcome instanceof TriggerOutcome.Skipped s) {
            return s.reason();
        }
        return outcome instanceof TriggerOutcome.Failed f ? f.reason() : outcome.toString();
    }

    /** A JSON merge patch setting annotations. */
    private void patchAnnotations(Map<String, String> annotations) {
        client.configMaps().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                json(Map.of("metadata", Map.of("annotations", annotations))));
    }

    /**
     * A JSON patch that applies only to the version seen (its {@code test} fails otherwise): the
     * re-run annotation goes, the handled one records the value.
     */
    private void takeRerun(String resourceVersion, String value, String handledValue) {
        String handled = "/metadata/annotations/" + RERUN_HANDLED.replace("~", "~0").replace("/", "~1");
        String request = "/metadata/annotations/" + RERUN.replace("~", "~0").replace("/", "~1");
        client.configMaps().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON), json(List.of(
                Map.of("op", "test", "path", "/metadata/resourceVersion", "value", resourceVersion),
                Map.of("op", "remove", "path", request),
                Map.of("op", "add", "path", handled, "value", handledValue))));
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        retries.shutdownNow();
        worker.close();
    }
}

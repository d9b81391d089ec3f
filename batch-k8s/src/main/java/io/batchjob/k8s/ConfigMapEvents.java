package io.batchjob.k8s;

import io.batchjob.core.spi.ExecutionListener;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Tells operators, as Events on the controller's ConfigMap (what {@code kubectl describe
 * configmap} shows), what happened to a trigger that started nothing — skipped (e.g. with
 * {@code concurrencyPolicy: Forbid}) or failed — and to their requests and config changes
 * ({@link #publish}). Listener calls only queue the Event; one thread
 * of its own writes them (bounded: under an API stall extra Events are dropped with a warning,
 * never the engine's thread held up).
 */
public final class ConfigMapEvents implements ExecutionListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigMapEvents.class);

    private final KubernetesEventPublisher publisher;
    private final ObjectReference configMap;
    private final ThreadPoolExecutor writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(100), r -> {
        Thread t = new Thread(r, "configmap-events");
        t.setDaemon(true);
        return t;
    });

    public ConfigMapEvents(KubernetesEventPublisher publisher, String namespace, String configMapName) {
        this.publisher = publisher;
        this.configMap = new ObjectReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withNamespace(namespace)
                .withName(configMapName).build();
    }

    @Override
    public void onTriggerSkipped(String cause, String reason) {
        publish(false, "TriggerSkipped", "trigger (" + cause + ") skipped: " + reason, "Trigger");
    }

    @Override
    public void onTriggerFailed(String cause, String reason) {
        publish(true, "TriggerFailed", "trigger (" + cause + ") failed: " + reason, "Trigger");
    }

    /**
     * Queues an Event about the ConfigMap (operator requests, config reloads).
     *
     * @param warning a Warning, else Normal
     * @param reason  UpperCamelCase, e.g. {@code ConfigApplied}
     * @param note    what happened, for {@code kubectl describe}
     * @param action  what the controller did, e.g. {@code Reload}
     */
    public void publish(boolean warning, String reason, String note, String action) {
        try {
            writer.execute(() -> {
                try {
                    publisher.publishAbout(configMap, warning, reason, note, action);
                } catch (KubernetesClientException e) {
                    LOG.warn("cannot create the {} event on ConfigMap {}: {} {}", reason, configMap.getName(), e.getCode(), e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.warn("dropped the {} event on ConfigMap {}: too many waiting", reason, configMap.getName());
        }
    }

    @Override
    public void close() {
        io.batchjob.core.Shutdown.gracefully(writer, Duration.ofSeconds(5));
    }
}

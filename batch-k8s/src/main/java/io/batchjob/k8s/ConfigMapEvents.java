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
 * Tells operators, as Events on the controller's ConfigMap (and, for leadership, on its Lease) (what {@code kubectl describe
 * configmap} shows), what happened to a trigger that started nothing — skipped (e.g. with
 * {@code concurrencyPolicy: Forbid}) or failed — and to their requests and config changes
 * ({@link #publish}). Listener calls only queue the Event; one thread
 * of its own writes them (bounded: under an API stall extra Events are dropped with a warning,
 * never the engine's thread held up).
 */
public final class ConfigMapEvents implements ExecutionListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigMapEvents.class);

    private final KubernetesEventPublisher publisher;
    private final String configMapName;
    /** Only touched by the writer thread: the ConfigMap with its uid once it could be read. */
    private ObjectReference configMap;
    private final ThreadPoolExecutor writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(100), r -> {
        Thread t = new Thread(r, "configmap-events");
        t.setDaemon(true);
        return t;
    });

    public ConfigMapEvents(KubernetesEventPublisher publisher, String namespace, String configMapName) {
        this.publisher = publisher;
        this.configMapName = configMapName;
        this.configMap = new ObjectReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withNamespace(namespace)
                .withName(configMapName).build();
    }

    /**
     * Queues what becoming the leader changes on the Lease: the controller's top-level owner (its
     * Deployment) as the Lease's owner, so that the Lease goes with the Deployment ({@code helm
     * uninstall}); and the {@code LeaderElection} Event that client-go's leader election records (and
     * the Go controller with it).
     *
     * @param identity this replica's identity in the Lease
     * @param owner    the controller's top-level owner, or null when it has none (then the Lease is left as it is)
     */
    public void leadershipAcquired(String leaseName, String identity, io.fabric8.kubernetes.api.model.OwnerReference owner) {
        queue("LeaderElection", leaseName, () -> {
            if (owner != null) {
                LeaseOwnership.own(publisher.client(), publisher.namespace(), leaseName, owner);
            }
            publisher.publishAbout(publisher.leaseReference(leaseName), false, "LeaderElection", identity + " became leader", "BecameLeader");
        });
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
        queue(reason, configMapName, () -> {
            if (configMap.getUid() == null) {
                configMap = publisher.configMapReference(configMapName); // read once; kubectl describe selects on the uid
            }
            publisher.publishAbout(configMap, warning, reason, note, action);
        });
    }

    /** Waits until every Event queued before this call was written or dropped (tests: a barrier, not a while). */
    boolean awaitWritten(java.time.Duration max) throws InterruptedException {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        writer.execute(done::countDown);
        return done.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void queue(String reason, String object, Runnable create) {
        try {
            writer.execute(() -> {
                try {
                    create.run();
                } catch (KubernetesClientException e) {
                    LOG.warn("cannot create the {} event on {}: {} {}", reason, object, e.getCode(), e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.warn("dropped the {} event on {}: too many waiting", reason, object);
        }
    }

    @Override
    public void close() {
        io.batchjob.core.Shutdown.gracefully(writer, Duration.ofSeconds(5));
    }
}

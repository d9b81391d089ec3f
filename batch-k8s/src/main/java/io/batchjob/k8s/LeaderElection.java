package io.batchjob.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Leader election on the Lease {@code <name>-leader-election} with fabric8's {@link LeaderElector}.
 * Only the leader triggers and dispatches: {@code onStart} runs when this controller becomes leader
 * (activate the engine, start the schedule), {@code onStop} at once when it loses the lease (stop the
 * schedule, deactivate the engine). {@link #close()} releases the lease so another controller takes
 * over without waiting for it to expire. Callbacks run one at a time on their own thread, never on
 * the elector's renew thread.
 */
public final class LeaderElection implements Leadership {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

    private final LeaderElector elector;
    private final ExecutorService callbacks;
    private final AtomicBoolean leading = new AtomicBoolean();
    private CompletableFuture<?> running;

    /**
     * @param identity this controller's identity in the Lease (its pod name)
     */
    public LeaderElection(KubernetesClient client, String namespace, String leaseName, String identity, Duration leaseDuration,
                          Duration renewDeadline, Duration retryPeriod, Runnable onStart, Runnable onStop) {
        this.callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "leader-callbacks");
            t.setDaemon(true);
            return t;
        });
        this.elector = new LeaderElectorBuilder(client, callbacks).withConfig(new LeaderElectionConfigBuilder()
                        .withName(leaseName)
                        .withLock(new LeaseLock(namespace, leaseName, identity))
                        .withLeaseDuration(leaseDuration)
                        .withRenewDeadline(renewDeadline)
                        .withRetryPeriod(retryPeriod)
                        .withReleaseOnCancel(true)
                        .withLeaderCallbacks(new LeaderCallbacks(
                                () -> {
                                    leading.set(true);
                                    LOG.info("{} is the leader now (Lease {}/{})", identity, namespace, leaseName);
                                    onStart.run();
                                },
                                () -> {
                                    leading.set(false);
                                    LOG.info("{} stopped leading", identity);
                                    onStop.run();
                                },
                                leader -> LOG.info("the leader is {}", leader)))
                        .build())
                .build();
    }

    /** Starts competing for the lease (returns at once). */
    @Override
    public synchronized void start() {
        if (running == null) {
            running = elector.start();
        }
    }

    @Override
    public boolean isLeader() {
        return leading.get();
    }

    /** Stops competing and releases the lease if this controller holds it. */
    @Override
    public synchronized void close() {
        if (running != null) {
            running.cancel(true);
            running = null; // with releaseOnCancel, cancelling stops leading and releases the Lease in this call
        }
        io.batchjob.core.Shutdown.gracefully(callbacks, Duration.ofSeconds(5));
    }
}

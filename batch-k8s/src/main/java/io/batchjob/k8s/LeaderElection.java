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
 *
 * <p>fabric8's elector ends when leadership is lost (a renew that missed its deadline, e.g. during
 * an API stall); this class then competes again after the retry period, for as long as it is not
 * closed — a controller that lost the Lease leads again when it can, never sits idle.
 */
public final class LeaderElection implements Leadership {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

    /** A fresh fabric8 elector per attempt: one that has ended is not started again. */
    private final java.util.function.Supplier<LeaderElector> electors;
    private final ExecutorService callbacks;
    private final AtomicBoolean leading = new AtomicBoolean();
    private final Duration retryPeriod;
    private final java.util.concurrent.ScheduledExecutorService restarts;
    // Volatile so that isCompeting (a health check) never waits for a start that is blocked on the API.
    private volatile CompletableFuture<?> running;
    private volatile boolean closed;
    private volatile boolean restartScheduled;
    /** The Lease's holder as last observed (fabric8's onNewLeader). */
    private volatile String currentLeader;
    private final LeaseFence fence;

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
        this.retryPeriod = retryPeriod;
        this.fence = new LeaseFence(renewDeadline, System::nanoTime);
        this.restarts = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "leader-election-restart");
            t.setDaemon(true);
            return t;
        });
        this.electors = () -> new LeaderElectorBuilder(client, callbacks).withConfig(new LeaderElectionConfigBuilder()
                        .withName(leaseName)
                        .withLock(fence.recording(new LeaseLock(namespace, leaseName, identity)))
                        .withLeaseDuration(leaseDuration)
                        .withRenewDeadline(renewDeadline)
                        .withRetryPeriod(retryPeriod)
                        .withReleaseOnCancel(true)
                        .withLeaderCallbacks(new LeaderCallbacks(
                                () -> {
                                    leading.set(true);
                                    fence.leading(true);
                                    LOG.info("{} is the leader now (Lease {}/{})", identity, namespace, leaseName);
                                    onStart.run();
                                },
                                () -> {
                                    leading.set(false);
                                    fence.leading(false);
                                    LOG.info("{} stopped leading", identity);
                                    onStop.run();
                                },
                                leader -> {
                                    // fabric8 reports null when the Lease is released (at shutdown): no leader is not news.
                                    currentLeader = leader;
                                    if (leader != null) {
                                        LOG.info("the leader is {}", leader);
                                    }
                                }))
                        .build())
                .build();
    }

    /** Starts competing for the lease (returns at once, or once fabric8 has started its attempt). */
    @Override
    public void start() {
        CompletableFuture<?> starting = new CompletableFuture<>();
        synchronized (this) {
            restartScheduled = false;
            if (running != null || closed) {
                return;
            }
            running = starting; // a placeholder while fabric8 starts, outside the monitor
        }
        CompletableFuture<?> attempt = electors.get().start();
        synchronized (this) {
            if (closed || running != starting) {
                attempt.cancel(true);
                return;
            }
            running = attempt;
        }
        attempt.whenComplete((done, error) -> {
            synchronized (this) {
                if (closed || running != attempt) {
                    return; // closed, or already competing again
                }
                running = null;
                restartScheduled = true;
            }
            LOG.warn("leader election ended ({}); competing again in {}", error == null ? "leadership lost" : error.toString(),
                    retryPeriod);
            try {
                restarts.schedule(this::start, retryPeriod.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed meanwhile
            }
        });
    }

    @Override
    public boolean isCompeting() {
        return !closed && (running != null || restartScheduled || leading.get());
    }

    @Override
    public boolean isLeader() {
        return leading.get();
    }

    @Override
    public io.batchjob.core.spi.WriteFence fence() {
        return fence;
    }

    @Override
    public java.util.Optional<String> leader() {
        return java.util.Optional.ofNullable(currentLeader);
    }

    /** Stops competing and releases the lease if this controller holds it. */
    @Override
    public void close() {
        CompletableFuture<?> attempt;
        synchronized (this) {
            closed = true;
            attempt = running;
            running = null;
        }
        if (attempt != null) {
            attempt.cancel(true); // with releaseOnCancel, cancelling stops leading and releases the Lease in this call
        }
        restarts.shutdownNow();
        io.batchjob.core.Shutdown.gracefully(callbacks, Duration.ofSeconds(5));
    }
}

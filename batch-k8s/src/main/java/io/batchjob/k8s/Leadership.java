package io.batchjob.k8s;

import io.batchjob.core.config.ControllerConfig;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;

/**
 * Decides when this controller may trigger and dispatch: {@link LeaderElection} on the Lease
 * {@code <name>-leader-election}, or — with {@code DEV_MODE=true} — always, without election.
 */
public interface Leadership extends AutoCloseable {

    /** Starts; {@code onStart} runs when this controller may dispatch, {@code onStop} when it may no longer. */
    void start();

    boolean isLeader();

    /**
     * What writes of shared state must ask first ({@link io.batchjob.core.report.ReportStore#fenceWith}):
     * open while this controller certainly leads. Without election: always open.
     */
    default io.batchjob.core.spi.WriteFence fence() {
        return io.batchjob.core.spi.WriteFence.OPEN;
    }

    /** The identity of the replica that leads now, when known (this one's while it leads). */
    default java.util.Optional<String> leader() {
        return java.util.Optional.empty();
    }

    /**
     * Whether this controller leads or competes for leadership (a liveness check: {@code false}
     * means it can never dispatch again, and a restart is the cure).
     */
    default boolean isCompeting() {
        return true;
    }

    @Override
    void close();

    /** Lease timings as client-go's defaults. */
    Duration LEASE_DURATION = Duration.ofSeconds(15);
    Duration RENEW_DEADLINE = Duration.ofSeconds(10);
    Duration RETRY_PERIOD = Duration.ofSeconds(2);

    /**
     * @param devMode  {@code DEV_MODE=true}: no election, this controller leads at once
     * @param identity this controller's pod name
     */
    static Leadership of(boolean devMode, KubernetesClient client, String namespace, ControllerConfig config, String identity,
                         Runnable onStart, Runnable onStop) {
        if (devMode) {
            return new Leadership() {
                private volatile boolean leading;

                @Override
                public void start() {
                    if (!leading) {
                        leading = true;
                        onStart.run();
                    }
                }

                @Override
                public boolean isLeader() {
                    return leading;
                }

                @Override
                public java.util.Optional<String> leader() {
                    return leading ? java.util.Optional.of(identity) : java.util.Optional.empty();
                }

                @Override
                public void close() {
                    if (leading) {
                        leading = false;
                        onStop.run();
                    }
                }
            };
        }
        return new LeaderElection(client, namespace, config.leaseName(), identity, LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD,
                onStart, onStop);
    }
}

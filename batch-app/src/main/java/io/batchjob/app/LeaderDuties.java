package io.batchjob.app;

import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.schedule.TriggerScheduler;
import io.batchjob.k8s.ConfigMapControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What this replica does when it becomes the leader, and stops doing when it is no longer: says so
 * (an Event on the ConfigMap, its callback address on the Lease for the other replicas' relays),
 * catches up on what other replicas published while it was a standby, activates the engine (which
 * resumes or adopts the running execution), starts the schedule and acts on pending operator
 * requests. Losing the lead stops the schedule and the engine's dispatch.
 *
 * <p>Threading: {@link #gained} and {@link #lost} run on the leader election's callback thread, one
 * after another.
 */
final class LeaderDuties {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderDuties.class);

    private final ControllerEnvironment env;
    private final KubernetesParts cluster;
    private final Supplier<ControllerConfig> config;
    private final Supplier<Integer> callbackPort;
    private final PublishedExecutions published;
    private final ExecutionEngine engine;
    private final TriggerScheduler scheduler;
    private final ConfigMapControl control;
    private final CompletableFuture<Void> firstLead = new CompletableFuture<>();

    LeaderDuties(ControllerEnvironment env, KubernetesParts cluster, Supplier<ControllerConfig> config, Supplier<Integer> callbackPort,
                 PublishedExecutions published, ExecutionEngine engine, TriggerScheduler scheduler, ConfigMapControl control) {
        this.env = env;
        this.cluster = cluster;
        this.config = config;
        this.callbackPort = callbackPort;
        this.published = published;
        this.engine = engine;
        this.scheduler = scheduler;
        this.control = control;
    }

    void gained() {
        if (!env.devMode()) {
            cluster.configMapEvents.leadershipAcquired(config.get().leaseName(), env.hostname(), cluster.owner);
        }
        // What other replicas ran while this one was a standby (a shared report directory).
        published.replay(config.get().budgets().maxSeriesInMemory());
        engine.activate();
        if (!env.devMode()) {
            // Only now, with the running execution resumed or adopted, may other replicas relay its callbacks here.
            cluster.callbackAddress(callbackPort.get()).ifPresentOrElse(cluster.leaderAddress::publish, () -> LOG.warn(
                    "neither POD_IP nor this controller's pod gives its IP: other replicas cannot relay callbacks to it"));
        }
        scheduler.start();
        control.leadershipGained();
        firstLead.complete(null);
    }

    void lost() {
        scheduler.stop();
        engine.deactivate();
    }

    /** Completes when this replica first leads. */
    CompletableFuture<Void> firstLead() {
        return firstLead;
    }
}

package io.batchjob.k8s;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.testing.RecordingListener;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One controller's engine on a cluster, as batch-app wires it minus the servers: its own client,
 * the Kubernetes backend and node source, a report store, a recording listener, and optionally a
 * Lease election that activates the engine and triggers once when it starts leading.
 */
public final class EngineOnCluster implements AutoCloseable {

    public final KubernetesClient client;
    public final KubernetesJobBackend backend;
    public final ExecutionEngine engine;
    public final RecordingListener listener = new RecordingListener();
    private LeaderElection election;

    /**
     * @param client       this controller's client (closed with it)
     * @param nodeSelector the job node selector
     * @param logs         where pod logs go ({@code savePodLog}), or null
     */
    public EngineOnCluster(KubernetesClient client, String namespace, LoadedConfig loaded, Path reports, Map<String, String> nodeSelector,
                           Duration startGrace, ReportStore logs) {
        this.client = client;
        backend = new KubernetesJobBackend(client, namespace, loaded.config().name(),
                new JobPodFactory(loaded.config(), loaded.podTemplate(), namespace, null), startGrace, logs);
        backend.start(Duration.ofSeconds(60));
        engine = ExecutionEngine.builder().config(loaded.config())
                .nodeSource(new KubernetesNodeSource(client, nodeSelector, loaded.config().runOnUnscheduledNodes()))
                .backend(backend).reportStore(new ReportStore(reports))
                .jobEnvironment(new JobEnvironment(namespace, new CallbackEndpoint("10.0.0.1", 8090), CallbackAuth.TOKEN, List.of()))
                .listener(listener).build();
    }

    /** Competes for the Lease {@code leaseName}; when leading, activates the engine (resuming what runs) and triggers once. */
    public EngineOnCluster elect(String namespace, String leaseName, String identity, Duration leaseDuration, Duration renewDeadline) {
        election = new LeaderElection(client, namespace, leaseName, identity, leaseDuration, renewDeadline, Duration.ofMillis(250),
                () -> {
                    engine.activate();
                    engine.triggerAtStartup("startup");
                }, engine::deactivate);
        election.start();
        return this;
    }

    public boolean isLeader() {
        return election != null && election.isLeader();
    }

    /** Stops competing; with a held Lease this releases it (a clean stop). */
    public void resign() {
        if (election != null) {
            election.close();
        }
    }

    @Override
    public void close() {
        resign();
        engine.close();
        backend.close();
        client.close();
    }
}

package io.batchjob.app;

import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionHandover;
import io.batchjob.k8s.CallbackHost;
import io.batchjob.k8s.ConfigMapEvents;
import io.batchjob.k8s.ConfigMapHandover;
import io.batchjob.k8s.JobPodFactory;
import io.batchjob.k8s.KubernetesEventPublisher;
import io.batchjob.k8s.KubernetesJobBackend;
import io.batchjob.k8s.KubernetesNodeSource;
import io.batchjob.k8s.LeaseLeaderAddress;
import io.batchjob.k8s.OwnerLookup;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * What the controller uses of the cluster: the job pods' backend (its pod watch synced), the nodes,
 * one Event publisher (about job pods and about the ConfigMap), the execution handover for a new
 * leader with a volume of its own, and the Lease annotation where the leader says where it takes
 * callbacks. Built from the loaded config; closed in reverse order.
 *
 * <p>Threading: built and closed by the controller's start/stop thread; each part documents its own.
 */
final class KubernetesParts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesParts.class);
    /** How long a pod may fail to start (image pull errors, unschedulable) before its job is given up. */
    static final Duration START_GRACE = Duration.ofMinutes(2);
    /** How long the first list of the job pods may take. */
    static final Duration POD_SYNC_TIMEOUT = Duration.ofSeconds(60);

    private final ControllerEnvironment env;
    private final KubernetesClient client;
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    final OwnerReference owner;
    /** Where job pods send callbacks: the callback Service's name, or this pod's IP. */
    final String callbackHost;
    final KubernetesJobBackend backend;
    final KubernetesNodeSource nodes;
    final KubernetesEventPublisher events;
    final ConfigMapEvents configMapEvents;
    final ExecutionHandover handover;
    /** Where the leader takes callbacks, on the Lease; null in DEV_MODE (no leader election, no relay). */
    final LeaseLeaderAddress leaderAddress;

    private KubernetesParts(ControllerEnvironment env, KubernetesClient client, ControllerConfig config, LoadedConfig loaded,
                            ReportStore store, Clock clock) {
        this.env = env;
        this.client = client;
        this.callbackHost = CallbackHost.resolve(client, env.namespace(), env.podIp().orElse(null), config.callbackServiceName());
        this.owner = OwnerLookup.topLevelOwner(client, env.namespace(), env.hostname()).orElse(null);
        this.backend = own(new KubernetesJobBackend(client, env.namespace(), config.name(), podFactory(config, loaded), START_GRACE,
                config.savePodLog() ? store : null));
        this.nodes = new KubernetesNodeSource(client, config.jobNodeSelector(), config.runOnUnscheduledNodes());
        this.events = new KubernetesEventPublisher(client, env.namespace(), config.name(), env.hostname(), clock);
        this.configMapEvents = own(new ConfigMapEvents(events, env.namespace(), env.configMapName()));
        this.handover = env.devMode() ? ExecutionHandover.NONE
                : new ConfigMapHandover(client, env.namespace(), config.name(), owner, store.json());
        this.leaderAddress = env.devMode() ? null
                : own(new LeaseLeaderAddress(client, env.namespace(), config.leaseName(), env.hostname(), clock));
    }

    /**
     * Builds the parts and starts the pod watch; on failure closes what was built.
     *
     * @throws IllegalStateException when the job pods cannot be listed and watched
     */
    static KubernetesParts connect(ControllerEnvironment env, KubernetesClient client, ControllerConfig config, LoadedConfig loaded,
                                   ReportStore store, Clock clock) {
        KubernetesParts parts = null;
        try {
            parts = new KubernetesParts(env, client, config, loaded, store, clock);
            parts.backend.start(POD_SYNC_TIMEOUT);
            return parts;
        } catch (RuntimeException e) {
            if (parts != null) {
                parts.close();
            }
            throw e;
        }
    }

    /** The job pods' factory for a config and template ({@link KubernetesJobBackend#podFactory} after a reload). */
    JobPodFactory podFactory(ControllerConfig config, LoadedConfig loaded) {
        return new JobPodFactory(config, loaded.podTemplate(), env.namespace(), owner);
    }

    /**
     * Asks the API server whether it would take a job pod from this config (a dry run): a template it
     * rejects stops the start or a reload, as any other configuration error.
     */
    void verifyTemplate(ControllerConfig config, LoadedConfig loaded, JobEnvironment jobEnvironment) {
        podFactory(config, loaded).verifyWithServer(client, configMapSource(),
                jobEnvironment.build(JobPodFactory.SAMPLE_EXECUTION, JobPodFactory.SAMPLE_NODE, "sample-secret"));
    }

    /** {@code ConfigMap <namespace>/<name>}, as errors and Events name it. */
    String configMapSource() {
        return "ConfigMap " + env.namespace() + "/" + env.configMapName();
    }

    /**
     * Where this replica takes callbacks, for the others to relay to: its pod IP (POD_IP, else its
     * pod's status, read from the API: with several replicas the chart leaves POD_IP unset so that
     * job pods call the Service) and callback port.
     */
    Optional<URI> callbackAddress(int callbackPort) {
        Optional<String> ip = env.podIp().or(() -> {
            try {
                return Optional.ofNullable(client.pods().inNamespace(env.namespace()).withName(env.hostname()).get())
                        .map(p -> p.getStatus() == null ? null : p.getStatus().getPodIP());
            } catch (KubernetesClientException e) {
                LOG.warn("cannot read this controller's pod {} for its IP: {}", env.hostname(), e.getMessage());
                return Optional.empty();
            }
        });
        return ip.map(a -> URI.create("http://" + (a.contains(":") ? "[" + a + "]" : a) + ":" + callbackPort));
    }

    private <T extends AutoCloseable> T own(T part) {
        owned.push(part);
        return part;
    }

    @Override
    public void close() {
        while (!owned.isEmpty()) {
            AutoCloseable part = owned.pop();
            try {
                part.close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed: {}", part.getClass().getSimpleName(), e.toString());
            }
        }
    }
}

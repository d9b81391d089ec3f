package io.batchjob.k8s;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobBackendContractTest;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.testkit.k8s.MockApiServer;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;

/**
 * The Kubernetes backend passes the engine's backend contract, with a simulated kubelet, on the
 * testkit's mock API server (its watch closes do not stall the server on a busy machine).
 */
class KubernetesJobBackendContractTest extends JobBackendContractTest {

    private MockApiServer api;
    private KubernetesClient client;
    private KubernetesJobBackend backend;
    private SimulatedKubelet kubelet;

    @BeforeEach
    void start() {
        api = new MockApiServer().start();
        client = api.client();
        LoadedConfig loaded = ConfigLoader.load("name: scan", JobPodFactoryTest.TEMPLATE, "test");
        backend = new KubernetesJobBackend(client, "jobs", "scan", new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null),
                Duration.ofSeconds(5), null);
        backend.start(Duration.ofSeconds(60));
        kubelet = new SimulatedKubelet(client, "jobs", pod -> SimulatedKubelet.Behaviour.HOLD_RUNNING).start();
    }

    @AfterEach
    void stop() throws Exception {
        kubelet.close();
        backend.close();
        api.close(); // the client first, then the server (fabric8 kubernetes-client #7747)
    }

    @Override
    protected JobBackend backend() {
        return backend;
    }

    @Override
    protected void endJob(String executionId, String node, JobOutcome status) {
        endJob(executionId, node, 1, status);
    }

    @Override
    protected void endJob(String executionId, String node, int attempt, JobOutcome status) {
        String pod = PodNames.of("scan", node, executionId, attempt);
        org.awaitility.Awaitility.await().until(() -> {
            var p = client.pods().inNamespace("jobs").withName(pod).get();
            return p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
        });
        kubelet.finish(pod, status == JobOutcome.SUCCEEDED ? 0 : 1);
    }
}

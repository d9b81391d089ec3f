package io.batchjob.k8s;

import io.batchjob.core.spi.JobOutcome;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.testkit.k8s.MockApiServer;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Failing API calls on pod creation: retried ones create exactly one pod, final ones are clear launch errors. */
@EnableKubernetesMockClient(crud = true)
class ApiFaultsIT {

    private static final String PODS = "/api/v1/namespaces/jobs/pods";

    KubernetesClient client;
    KubernetesMockServer server;
    private final LoadedConfig loaded = ConfigLoader.load("name: scan", JobPodFactoryTest.TEMPLATE, "test");

    @AfterEach
    void closeClient() {
        client.close();
    }

    private KubernetesJobBackend backend(KubernetesClient c) {
        KubernetesJobBackend b = new KubernetesJobBackend(c, "jobs", "scan",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null), Duration.ofSeconds(5), null);
        b.start(Duration.ofSeconds(60));
        return b;
    }

    private static JobRequest request(String node) {
        return new JobRequest("100", node, "s", Map.of(), Duration.ofMinutes(1));
    }

    @Test
    void serverErrorsAndThrottlingAreRetriedAndCreateExactlyOnePod() throws Exception {
        server.expect().post().withPath(PODS).andReturn(500, new StatusBuilder().withCode(500).withMessage("etcd timeout").build()).times(3);
        server.expect().post().withPath(PODS).andReply(429, r -> new StatusBuilder().withCode(429).withMessage("slow down").build())
                .withHeader("Retry-After", "1").times(2);
        List<JobEnd> ends = new CopyOnWriteArrayList<>();
        try (KubernetesJobBackend backend = backend(client);
             SimulatedKubelet kubelet = new SimulatedKubelet(client, "jobs", p -> SimulatedKubelet.Behaviour.SUCCEED).start()) {

            backend.launch(request("worker-1"), ends::add);
            backend.launch(request("worker-2"), ends::add);

            await().until(() -> ends.size() == 2);
            assertThat(ends).extracting(JobEnd::outcome).containsOnly(JobOutcome.SUCCEEDED);
            assertThat(client.pods().inNamespace("jobs").list().getItems()).extracting(p -> p.getSpec().getNodeName())
                    .containsExactlyInAnyOrder("worker-1", "worker-2");
        }
    }

    @Test
    void aFinalFailureIsALaunchErrorAndLeavesNoPod() {
        server.expect().post().withPath(PODS).andReturn(500, new StatusBuilder().withCode(500).withMessage("etcd timeout").build()).always();
        KubernetesClient noRetries = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0).build()).build();
        try (noRetries; KubernetesJobBackend backend = backend(noRetries)) {
            assertThatThrownBy(() -> backend.launch(request("worker-1"), e -> { }))
                    .isInstanceOf(JobLaunchException.class)
                    .hasMessageContaining("the API server refused the pod scan-job-worker-1-100 (500)");
            assertThat(client.pods().inNamespace("jobs").list().getItems()).isEmpty();
            assertThat(backend.existingJobs()).isEmpty();
        }
    }

    @Test
    void aNodeListFailureFailsTheTriggerWithAClearReason(@org.junit.jupiter.api.io.TempDir java.nio.file.Path reports) {
        server.expect().get().withPath("/api/v1/nodes").andReturn(503, new StatusBuilder().withCode(503).withMessage("apiserver overloaded").build()).always();
        KubernetesClient noRetries = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0).build()).build();
        io.batchjob.core.testing.RecordingListener listener = new io.batchjob.core.testing.RecordingListener();
        try (noRetries; KubernetesJobBackend backend = backend(noRetries);
             io.batchjob.core.execution.ExecutionEngine engine = io.batchjob.core.execution.ExecutionEngine.builder().config(loaded.config())
                     .nodeSource(new KubernetesNodeSource(noRetries, Map.of(), false)).backend(backend)
                     .reportStore(new io.batchjob.core.report.ReportStore(reports))
                     .jobEnvironment(new io.batchjob.core.execution.JobEnvironment("jobs",
                             new io.batchjob.core.execution.CallbackEndpoint("10.0.0.1", 8090), loaded.config().callbackAuth(), List.of()))
                     .listener(listener).build()) {
            engine.activate();

            var outcome = engine.trigger("schedule");

            assertThat(outcome).isInstanceOfSatisfying(io.batchjob.core.execution.TriggerOutcome.Failed.class,
                    f -> assertThat(f.reason()).startsWith("cannot list nodes: ").contains("503"));
            await().until(() -> listener.failedTriggers.size() == 1);
            assertThat(engine.isActive()).isTrue();
        }
    }

    @Test
    void aPodThatAlreadyExistsIsNotCreatedAgain() throws Exception {
        // A restart closes the first backend's watch: the testkit's mock, whose watch closes do not stall it on a busy machine.
        try (MockApiServer api = new MockApiServer().start()) {
            try (KubernetesJobBackend first = backend(api.client())) {
                first.launch(request("worker-1"), e -> { });
            }
            try (KubernetesJobBackend restarted = backend(api.client())) {
                // Another launch (another secret): its pod is not taken over, even though the create's 409 is ambiguous.
                assertThatThrownBy(() -> restarted.launch(new JobRequest("100", "worker-1", "another-secret", Map.of(),
                        Duration.ofMinutes(1)), e -> { }))
                        .isInstanceOf(JobLaunchException.class)
                        .hasMessage("a job pod named scan-job-worker-1-100 already exists");
                assertThat(api.client().pods().inNamespace("jobs").list().getItems()).hasSize(1);
            }
        }
    }
}

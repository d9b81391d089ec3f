package io.batchjob.k8s;

import io.batchjob.core.spi.JobOutcome;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A pod create whose answer is lost: the API server wrote the pod but the controller saw a 5xx, a
 * timeout, or (on the client's own retry) a 409. The job must run on that pod, not be reported as
 * failed while its pod runs unaccounted; and a create that really failed must still fail clearly.
 */
class LostCreateAnswerIT {

    private static final String PODS = "/api/v1/namespaces/jobs/pods";

    /** What the API server does with the first pod create. */
    enum Fault {
        /** Writes the pod, answers 504; the client retries and gets 409. */
        WRITTEN_THEN_504_WITH_CLIENT_RETRIES,
        /** Writes the pod, answers 504; no client retries. */
        WRITTEN_THEN_504,
        /** Writes the pod, answers after the client gave up waiting. */
        WRITTEN_THEN_TOO_LATE
    }

    private final LoadedConfig loaded = ConfigLoader.load("name: scan", JobPodFactoryTest.TEMPLATE, "test");
    private KubernetesMockServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.destroy();
        }
    }

    private KubernetesClient start(Fault fault, boolean writes) {
        AtomicBoolean faulted = new AtomicBoolean();
        KubernetesCrudDispatcher dispatcher = new KubernetesCrudDispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if ("POST".equals(request.getMethod()) && PODS.equals(request.getPath()) && faulted.compareAndSet(false, true)) {
                    MockResponse written = writes ? super.dispatch(request) : null;
                    assertThat(written == null || written.code() == 201).as("the pod was written").isTrue();
                    return fault == Fault.WRITTEN_THEN_TOO_LATE
                            ? new MockResponse().setResponseCode(500).setBody("{}").setBodyDelay(3, TimeUnit.SECONDS)
                            : new MockResponse().setResponseCode(504).setBody("{\"kind\":\"Status\",\"code\":504,\"message\":\"etcd timeout\"}");
                }
                return super.dispatch(request);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        ConfigBuilder config;
        try (KubernetesClient base = server.createClient()) {
            config = new ConfigBuilder(base.getConfiguration());
        }
        if (fault != Fault.WRITTEN_THEN_504_WITH_CLIENT_RETRIES) {
            config.withRequestRetryBackoffLimit(0);
        }
        if (fault == Fault.WRITTEN_THEN_TOO_LATE) {
            config.withRequestTimeout(1_000);
        }
        return new KubernetesClientBuilder().withConfig(config.build()).build();
    }

    private KubernetesJobBackend backend(KubernetesClient c) {
        KubernetesJobBackend b = new KubernetesJobBackend(c, "jobs", "scan",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null), Duration.ofSeconds(5), null);
        b.start(Duration.ofSeconds(60));
        return b;
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void theJobRunsOnThePodThatWasWrittenAndNoSecondPodIsCreated(Fault fault) throws Exception {
        List<JobEnd> ends = new CopyOnWriteArrayList<>();
        try (KubernetesClient client = start(fault, true); KubernetesJobBackend backend = backend(client);
             SimulatedKubelet kubelet = new SimulatedKubelet(client, "jobs", p -> SimulatedKubelet.Behaviour.SUCCEED).start()) {

            backend.launch(new JobRequest("100", "worker-1", "secret-1", Map.of(), Duration.ofMinutes(1)), ends::add);

            await().until(() -> ends.size() == 1);
            assertThat(ends.get(0).outcome()).isEqualTo(JobOutcome.SUCCEEDED);
            assertThat(client.pods().inNamespace("jobs").list().getItems()).extracting(p -> p.getMetadata().getName())
                    .containsExactly("scan-job-worker-1-100");
        }
    }

    @Test
    void aCreateThatTimedOutWithoutWritingIsAClearLaunchError() {
        try (KubernetesClient client = start(Fault.WRITTEN_THEN_TOO_LATE, false); KubernetesJobBackend backend = backend(client)) {
            assertThatThrownBy(() -> backend.launch(new JobRequest("100", "worker-1", "secret-1", Map.of(), Duration.ofMinutes(1)), e -> { }))
                    .isInstanceOf(JobLaunchException.class)
                    .hasMessageStartingWith("the pod scan-job-worker-1-100 could not be created: ")
                    .hasMessageContaining("timeout");
            assertThat(client.pods().inNamespace("jobs").list().getItems()).isEmpty();
            assertThat(backend.existingJobs()).isEmpty();
        }
    }
}

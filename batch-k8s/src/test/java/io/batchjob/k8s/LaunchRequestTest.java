package io.batchjob.k8s;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.testkit.k8s.MockApiServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A launch is one POST of the job's pod to its namespace's pods; what the server refuses comes back as its message. */
class LaunchRequestTest {

    private static KubernetesJobBackend backend(KubernetesClient client, String namespace) {
        LoadedConfig loaded = ConfigLoader.load("name: scan", JobPodFactoryTest.TEMPLATE, "test");
        return new KubernetesJobBackend(client, namespace, "scan", new JobPodFactory(loaded.config(), loaded.podTemplate(), namespace, null),
                Duration.ofSeconds(5), null);
    }

    private static JobRequest job(String node) {
        return new JobRequest("20260101000000", node, "secret-" + node, Map.of("EXECUTION_ID", "20260101000000"), null);
    }

    @Test
    void aLaunchIsOnePostOfThePodAndThePodIsStored() throws Exception {
        try (MockApiServer api = new MockApiServer().start(); KubernetesJobBackend backend = backend(api.client(), "jobs")) {
            while (api.server().takeRequest(10, TimeUnit.MILLISECONDS) != null) {
                // forget the set-up
            }
            backend.launch(job("worker-1.example.com"), end -> { });

            List<RecordedRequest> requests = new ArrayList<>();
            for (RecordedRequest r; (r = api.server().takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) {
                requests.add(r);
            }
            assertThat(requests).hasSize(1);
            assertThat(requests.get(0).getMethod()).isEqualTo("POST");
            assertThat(requests.get(0).getPath()).isEqualTo("/api/v1/namespaces/jobs/pods");
            assertThat(requests.get(0).getHeader("Content-Type")).startsWith("application/json");
            // The mock stores the body as it was sent (reading it consumed the recorded copy).
            Pod stored = api.client().pods().inNamespace("jobs").withName(PodNames.of("scan", "worker-1.example.com", "20260101000000")).get();
            assertThat(stored).isNotNull();
            assertThat(stored.getSpec().getNodeName()).isEqualTo("worker-1.example.com");
            assertThat(stored.getMetadata().getAnnotations()).containsEntry(JobLabels.CALLBACK_SECRET, "secret-worker-1.example.com");
            assertThat(stored.getMetadata().getLabels()).containsEntry(JobLabels.OWNER, "scan");
        }
    }

    @Test
    void aRefusedPodIsALaunchFailureWithTheServersMessage() throws Exception {
        MockApiServer refusing = new MockApiServer() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if ("POST".equals(request.getMethod()) && "/api/v1/namespaces/jobs/pods".equals(request.getPath())) {
                    return new MockResponse().setResponseCode(422).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                            + "\"reason\":\"Invalid\",\"code\":422,\"message\":\"Pod \\\"x\\\" is invalid: spec.containers[0].image: Required value\"}");
                }
                return super.dispatch(request);
            }
        };
        try (MockApiServer api = refusing.start(); KubernetesJobBackend backend = backend(api.client(), "jobs")) {
            assertThatThrownBy(() -> backend.launch(job("n1"), end -> { }))
                    .isInstanceOf(JobLaunchException.class)
                    .hasMessageContaining("(422)").hasMessageContaining("spec.containers[0].image: Required value");
            // Refused: nothing is watched for it, so the same job can be launched again.
            assertThatThrownBy(() -> backend.launch(job("n1"), end -> { })).hasMessageContaining("(422)");
        }
    }

    @Test
    void aNamespaceThatIsNoNamespaceNameIsRefused() {
        try (MockApiServer api = new MockApiServer().start()) {
            for (String bad : List.of("jobs/../kube-system", "Jobs", "jobs?x=1", "")) {
                assertThatThrownBy(() -> backend(api.client(), bad)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("not a namespace name");
            }
        }
    }
}

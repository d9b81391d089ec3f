package io.batchjob.k8s;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** With savePodLog every container's log, init containers included, is saved when the pod ends. */
@EnableKubernetesMockClient(crud = true)
class PodLogIT {

    KubernetesClient client;
    KubernetesMockServer server;

    @TempDir
    Path reports;

    @Test
    void savesEveryContainersLogBeforeReportingTheEnd() throws Exception {
        String pod = PodNames.of("scan", "worker-1", "100");
        for (String container : List.of("prepare", "job", "sidecar")) {
            server.expect().get().withPath("/api/v1/namespaces/jobs/pods/" + pod + "/log?pretty=false&container=" + container)
                    .andReturn(200, "log of " + container + "\n").always();
        }
        LoadedConfig loaded = ConfigLoader.load("name: scan\nsavePodLog: true", JobPodFactoryTest.TEMPLATE, "test");
        ReportStore store = new ReportStore(reports);
        List<JobEnd> ends = new CopyOnWriteArrayList<>();
        try (KubernetesJobBackend backend = new KubernetesJobBackend(client, "jobs", "scan",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null), Duration.ofSeconds(5), store);
             SimulatedKubelet kubelet = new SimulatedKubelet(client, "jobs", p -> SimulatedKubelet.Behaviour.SUCCEED).start()) {
            backend.start(Duration.ofSeconds(10));

            backend.launch(new JobRequest("100", "worker-1", "s", Map.of(), Duration.ofMinutes(1)), end -> {
                // The logs are on disk when the engine hears of the end.
                assertThat(store.hasFile("100", "worker-1-container-job.log")).isTrue();
                ends.add(end);
            });

            await().until(() -> ends.size() == 1);
            assertThat(ends.get(0).status()).isEqualTo(JobEnd.Status.SUCCEEDED);
            assertThat(reports.resolve("100/worker-1-container-prepare.log")).hasContent("log of prepare");
            assertThat(reports.resolve("100/worker-1-container-job.log")).hasContent("log of job");
            assertThat(reports.resolve("100/worker-1-container-sidecar.log")).hasContent("log of sidecar");
        } finally {
            client.close();
        }
    }
}

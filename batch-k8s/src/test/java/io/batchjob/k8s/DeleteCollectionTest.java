package io.batchjob.k8s;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.testkit.k8s.MockApiServer;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The jobs of earlier executions go in one request (deletecollection), whatever their number; other pods stay. */
class DeleteCollectionTest {

    @TempDir
    Path reports;

    @Test
    void oneRequestDeletesEveryEarlierJobOfThisControllerAndNothingElse() throws Exception {
        try (MockApiServer api = new MockApiServer().start()) {
            KubernetesClient client = api.client();
            for (String execution : List.of("100", "200", "300")) {
                for (int i = 0; i < 25; i++) {
                    client.pods().inNamespace("jobs").resource(new PodBuilder().withNewMetadata().withName("scan-job-n" + i + "-" + execution)
                            .withLabels(Map.of(JobLabels.OWNER, "scan", JobLabels.EXECUTION_ID, execution)).endMetadata().build()).create();
                }
            }
            client.pods().inNamespace("jobs").resource(new PodBuilder().withNewMetadata().withName("other-job")
                    .withLabels(Map.of(JobLabels.OWNER, "other", JobLabels.EXECUTION_ID, "100")).endMetadata().build()).create();
            LoadedConfig loaded = ConfigLoader.load("name: scan", JobPodFactoryTest.TEMPLATE, "test");
            try (KubernetesJobBackend backend = new KubernetesJobBackend(client, "jobs", "scan",
                    new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null), Duration.ofSeconds(5), null)) {
                while (api.server().takeRequest(10, TimeUnit.MILLISECONDS) != null) {
                    // forget the set-up
                }
                backend.deleteJobsExcept("300");
                List<RecordedRequest> deletes = new ArrayList<>();
                for (RecordedRequest r; (r = api.server().takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) {
                    if ("DELETE".equals(r.getMethod())) {
                        deletes.add(r);
                    }
                }
                assertThat(deletes).as("one deletecollection for 50 pods").hasSize(1);
                assertThat(deletes.get(0).getPath()).startsWith("/api/v1/namespaces/jobs/pods?").contains("labelSelector=");
                assertThat(deletes.get(0).getBody().readUtf8()).as("no grace: the jobs have nothing left to finish")
                        .contains("\"kind\":\"DeleteOptions\"").contains("\"gracePeriodSeconds\":0");
            }
            assertThat(client.pods().inNamespace("jobs").list().getItems()).extracting(p -> p.getMetadata().getName())
                    .hasSize(26).contains("other-job").allMatch(n -> n.endsWith("-300") || n.equals("other-job"));
        }
    }
}

package io.batchjob.k8s;

import io.batchjob.core.spi.JobOutcome;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.testkit.k8s.KubeletLogServer;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With savePodLog every container's log, init containers included, is saved when the pod ends:
 * read through the real API server, which proxies {@code pods/log} to the kubelet of the pod's node.
 */
@RealApi
class PodLogRealApiIT {

    private static final String SECRET = "q3Vt0k3n-S3cr3t_0f-th1s-j0b-n0b0dy-kn0ws-abcd";
    private static final String OTHER_SECRET = "An0th3r-j0bs-s3cr3t_w1th-s0me-l3ngth-xyz123456";

    RealApiCluster cluster;

    @TempDir
    Path reports;

    @Test
    void savesEveryContainersLogBeforeReportingTheEnd() throws Exception {
        String node = "logs-" + cluster.namespace();
        String pod = PodNames.of("scan", node, "100");
        KubernetesClient client = cluster.admin();
        String ns = cluster.namespace();
        List<String> asked = new CopyOnWriteArrayList<>();
        KubeletLogServer kubeletLogs = new KubeletLogServer(cluster.server().kubeletCertificate(), cluster.server().kubeletKey(),
                (name, container) -> {
                    asked.add(name + "/" + container);
                    // A script that prints its environment (the Go chart's run.sh does), and another job's secret.
                    return Optional.of("log of " + container + "\n" + (container.equals("job")
                            ? "CALLBACK_TOKEN=" + SECRET + "\nCALLBACK_SERVICE_RESULT_URL=http://10.0.0.1:8090/job/" + SECRET
                              + "/report/x/100/result\nAuthorization: Basic " + java.util.Base64.getEncoder().encodeToString(("job:" + SECRET).getBytes())
                              + "\nother " + OTHER_SECRET + "\n" : ""));
                });
        cluster.createNode(node, true, false, Map.of(), kubeletLogs.port());
        LoadedConfig loaded = ConfigLoader.load("name: scan\nsavePodLog: true", JobPodFactoryTest.TEMPLATE, "test");
        ReportStore store = new ReportStore(reports);
        List<JobEnd> ends = new CopyOnWriteArrayList<>();
        try (kubeletLogs;
             KubernetesJobBackend backend = new KubernetesJobBackend(client, ns, "scan",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), ns, null), Duration.ofSeconds(5), store);
             SimulatedKubelet kubelet = new SimulatedKubelet(client, ns, p -> node.equals(p.getSpec().getNodeName())
                     ? SimulatedKubelet.Behaviour.SUCCEED : SimulatedKubelet.Behaviour.HOLD_RUNNING).start()) {
            backend.start(Duration.ofSeconds(60));
            backend.launch(new JobRequest("100", "other-node", OTHER_SECRET, Map.of(), Duration.ofMinutes(1)), end -> { });

            backend.launch(new JobRequest("100", node, SECRET, Map.of(), Duration.ofMinutes(1)), end -> {
                // The logs are on disk when the engine hears of the end.
                assertThat(store.hasFile("100", node + "-container-job.log")).isTrue();
                ends.add(end);
            });

            await().until(() -> ends.size() == 1);
            assertThat(ends.get(0).outcome()).isEqualTo(JobOutcome.SUCCEEDED);
            assertThat(reports.resolve("100/" + node + "-container-prepare.log")).hasContent("log of prepare");
            // Served to anyone: no job's secret survives in a saved log.
            assertThat(reports.resolve("100/" + node + "-container-job.log")).hasContent("log of job\nCALLBACK_TOKEN=[redacted]\n"
                    + "CALLBACK_SERVICE_RESULT_URL=http://10.0.0.1:8090/job/[redacted]/report/x/100/result\nAuthorization: Basic [redacted]\n"
                    + "other [redacted]");
            assertThat(reports.resolve("100/" + node + "-container-sidecar.log")).hasContent("log of sidecar");
            assertThat(asked).as("each container's log asked of the node's kubelet once")
                    .containsExactlyInAnyOrder(pod + "/prepare", pod + "/job", pod + "/sidecar");
        }
    }
}

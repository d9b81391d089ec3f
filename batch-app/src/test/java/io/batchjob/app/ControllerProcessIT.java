package io.batchjob.app;

import io.batchjob.testkit.k8s.MockApiServer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The packaged jar as a process: it leads, and SIGTERM stops it cleanly with exit 0 and a released Lease. */
class ControllerProcessIT {

    /** The CRUD mock, answering the controller's start-up dry run of the pod template without storing a pod. */
    private final MockApiServer api = new MockApiServer().start();
    private final KubernetesClient client = api.client();

    @AfterEach
    void stopApiServer() {
        api.close();
    }

    @TempDir
    Path dir;

    @Test
    void sigtermReleasesTheLeaseAndExitsZero() throws Exception {
        Path jar = Path.of("target", "batch-job-controller.jar");
        assertThat(jar).as("run after package").exists();
        client.configMaps().inNamespace("jobs").resource(new ConfigMapBuilder().withNewMetadata().withName("cm").endMetadata()
                .withData(Map.of("config.yaml", """
                        name: proc
                        cronExpression: ""
                        callbackServicePort: 18090
                        reportServerPort: 18080
                        healthProbePort: 19152
                        metrics: {port: 19153}
                        """, "pod-template.yaml", "kind: Pod\nspec: {containers: [{name: a, image: busybox}]}")).build()).create();
        Path log = dir.resolve("controller.log");
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("NAMESPACE", "jobs");
        env.put("CONFIG_MAP_NAME", "cm");
        env.put("POD_IP", "127.0.0.1");
        env.put("HOSTNAME", "proc-controller");
        env.put("REPORT_DIRECTORY", dir.resolve("reports").toString());
        env.put("KUBERNETES_MASTER", client.getConfiguration().getMasterUrl());
        env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.put("KUBECONFIG", new File(dir.toFile(), "none").toString());
        Process p = pb.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                Lease lease = client.leases().inNamespace("jobs").withName("proc-leader-election").get();
                return lease != null && "proc-controller".equals(lease.getSpec().getHolderIdentity());
            });

            p.destroy(); // SIGTERM

            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("stopped within 20 s").isTrue();
            String output = Files.readString(log);
            assertThat(p.exitValue()).as(output).isZero();
            Lease lease = client.leases().inNamespace("jobs").withName("proc-leader-election").get();
            // Released: a 1 s lease renewed at release time; the holder stays (so the real API server stores it too,
            // LeaderElectionRealApiIT).
            assertThat(lease.getSpec().getLeaseDurationSeconds()).as("the Lease is released").isEqualTo(1);
            // JSON log lines with ISO times; the start-up line names version, name, pool size, history and cron.
            assertThat(output.lines().filter(l -> l.startsWith("{")).toList()).isNotEmpty()
                    .anySatisfy(l -> assertThat(l).contains("\"message\":\"batch-job-controller 0.1.0").contains("name=proc")
                            .contains("podPoolSize=10").contains("reportHistory=30").containsPattern("\"time\":\"\\d{4}-\\d{2}-\\d{2}T"));
        } finally {
            p.destroyForcibly();
        }
    }
}

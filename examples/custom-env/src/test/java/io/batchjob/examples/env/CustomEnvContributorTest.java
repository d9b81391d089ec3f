package io.batchjob.examples.env;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.CustomConfigException;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.report.ReportStore;
import io.batchjob.k8s.JobPodFactory;
import io.batchjob.k8s.KubernetesJobBackend;
import io.batchjob.k8s.KubernetesNodeSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The contributor registered with the Kubernetes backend: its variables land on the created pods (CRUD mock). */
@EnableKubernetesMockClient(crud = true)
class CustomEnvContributorTest {

    KubernetesClient client;

    @TempDir
    Path reports;

    private static final String TEMPLATE = """
            kind: Pod
            spec:
              containers:
                - name: scan
                  image: scanner:1
                  env: [{name: LOG_LEVEL, value: info}]
            """;

    @Test
    void everyJobPodGetsTheContributedVariablesButNotReservedOnes() throws Exception {
        for (String node : List.of("worker-1", "worker-2")) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().withNewStatus()
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        }
        LoadedConfig loaded = ConfigLoader.load("""
                name: scanner
                custom:
                  target: {url: "https://scanner.example/api"}
                  logLevel: debug
                  extraEnv: {REGION: eu-west, NODE_NAME: forged, CALLBACK_TOKEN: forged, EXECUTION_ID: "0"}
                """, TEMPLATE, "test");
        try (KubernetesJobBackend backend = new KubernetesJobBackend(client, "jobs", "scanner",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null), Duration.ofSeconds(30), null)) {
            backend.start(Duration.ofSeconds(60));
            try (ExecutionEngine engine = ExecutionEngine.builder().config(loaded.config())
                    .nodeSource(new KubernetesNodeSource(client, Map.of(), false)).backend(backend).reportStore(new ReportStore(reports))
                    .jobEnvironment(new JobEnvironment("jobs", new CallbackEndpoint("10.0.0.1", 8090), loaded.config().callbackAuth(),
                            List.of(CustomEnvContributor.from(loaded.config().custom()))))
                    .build()) {
                engine.activate();
                engine.trigger("test");
                await().until(() -> client.pods().inNamespace("jobs").list().getItems().size() == 2);

                for (Pod pod : client.pods().inNamespace("jobs").list().getItems()) {
                    String node = pod.getSpec().getNodeName();
                    String execution = pod.getMetadata().getLabels().get("batch-job-controller.bakito.github.com/execution-id");
                    Map<String, String> env = pod.getSpec().getContainers().get(0).getEnv().stream()
                            .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
                    assertThat(env).containsEntry("TARGET_URL", "https://scanner.example/api")
                            .containsEntry("LOG_LEVEL", "DEBUG")
                            .containsEntry("REGION", "eu-west")
                            .containsEntry("SCAN_ID", execution + "-" + node)
                            .containsEntry("NODE_NAME", node)
                            .containsEntry("EXECUTION_ID", execution);
                    assertThat(env.get("CALLBACK_TOKEN")).isNotEqualTo("forged").hasSize(43);
                }
            }
        } finally {
            client.close();
        }
    }

    @Test
    void aBadLogLevelIsAClearConfigError() {
        var custom = ConfigLoader.parseConfig("name: a\ncustom: {logLevel: loud}", "test", new ArrayList<>()).custom();
        assertThatThrownBy(() -> CustomEnvContributor.from(custom)).isInstanceOf(CustomConfigException.class)
                .hasMessage("custom.logLevel: 'loud' is not a log level: use debug, info, warn or error");
        var notString = ConfigLoader.parseConfig("name: a\ncustom: {extraEnv: {PORT: 8080}}", "test", new ArrayList<>()).custom();
        assertThatThrownBy(() -> CustomEnvContributor.from(notString)).hasMessage("custom.extraEnv.PORT: expected a string but found number 8080");
    }
}

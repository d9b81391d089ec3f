package io.batchjob.k8s;

import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.spi.JobRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobPodFactoryTest {

    static final String TEMPLATE = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: ignored
              namespace: elsewhere
              labels:
                app: scanner
              annotations:
                node: "{{ .NodeName }}"
            spec:
              nodeSelector: {disk: ssd}
              restartPolicy: Always
              imagePullSecrets: [{name: from-template}]
              initContainers:
                - name: prepare
                  image: busybox
                  env:
                    - {name: NODE_NAME, value: forged}
              containers:
                - name: job
                  image: registry/scanner:1
                  args: ["{{.ExecutionID}}", "{{.Namespace}}"]
                  env:
                    - {name: KEEP_ME, value: "1"}
                    - {name: CALLBACK_SERVICE_RESULT_URL, value: http://evil}
                    - {name: LOG_LEVEL, value: info}
                - name: sidecar
                  image: busybox
            """;

    private final LoadedConfig loaded = ConfigLoader.load("""
            name: scan
            jobServiceAccount: scanner
            jobImagePullSecrets: [{name: registry}]
            """, TEMPLATE, "test");
    private final OwnerReference owner = new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
            .withName("scan").withUid("uid-1").build();

    private JobRequest request() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NODE_NAME", "worker-1");
        env.put("EXECUTION_ID", "20261127080000");
        env.put("CALLBACK_SERVICE_RESULT_URL", "http://job:s3cret@10.0.0.1:8090/report/worker-1/20261127080000/result");
        env.put("CALLBACK_TOKEN", "s3cret");
        env.put("LOG_LEVEL", "debug");
        return new JobRequest("20261127080000", "worker-1", "s3cret", env, Duration.ofMinutes(30));
    }

    @Test
    void enforcesEverythingTheControllerOwns() {
        Pod pod = new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", owner).create(request());

        assertThat(pod.getMetadata().getName()).isEqualTo("scan-job-worker-1-20261127080000");
        assertThat(pod.getMetadata().getNamespace()).isEqualTo("jobs");
        assertThat(pod.getMetadata().getLabels()).containsEntry("app", "scanner")
                .containsEntry(JobLabels.OWNER, "scan").containsEntry(JobLabels.EXECUTION_ID, "20261127080000");
        assertThat(pod.getMetadata().getAnnotations()).containsEntry("node", "worker-1").containsEntry(JobLabels.CALLBACK_SECRET, "s3cret");
        assertThat(pod.getMetadata().getOwnerReferences()).containsExactly(owner);
        assertThat(pod.getSpec().getNodeName()).isEqualTo("worker-1");
        assertThat(pod.getSpec().getNodeSelector()).isNull();
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("scanner");
        assertThat(pod.getSpec().getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("from-template", "registry");
        assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(1800L);
        assertThat(pod.getSpec().getContainers().get(0).getArgs()).containsExactly("20261127080000", "jobs");
    }

    @Test
    void everyContainerAndInitContainerGetsTheJobEnvironmentAndKeepsTheRest() {
        Pod pod = new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null).create(request());

        for (Container c : JobPodFactory.allContainers(pod.getSpec())) {
            Map<String, String> env = new LinkedHashMap<>();
            c.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
            assertThat(env).as(c.getName()).containsAllEntriesOf(request().environment());
        }
        List<EnvVar> job = pod.getSpec().getContainers().get(0).getEnv();
        assertThat(job).extracting(EnvVar::getName).containsExactly("KEEP_ME", "NODE_NAME", "EXECUTION_ID",
                "CALLBACK_SERVICE_RESULT_URL", "CALLBACK_TOKEN", "LOG_LEVEL");
        assertThat(job).filteredOn(e -> e.getName().equals("CALLBACK_SERVICE_RESULT_URL")).singleElement()
                .extracting(EnvVar::getValue).asString().startsWith("http://job:s3cret@");
        assertThat(pod.getMetadata().getOwnerReferences()).isNull();
    }

    @Test
    void keepsATemplatesOwnDeadline() {
        LoadedConfig withDeadline = ConfigLoader.load("name: scan", TEMPLATE.replace("restartPolicy: Always", "activeDeadlineSeconds: 60"), "t");

        Pod pod = new JobPodFactory(withDeadline.config(), withDeadline.podTemplate(), "jobs", null).create(request());

        assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(60L);
    }

    @Test
    void aTemplateThatIsNotAUsablePodFailsAtLoad() {
        LoadedConfig noImage = ConfigLoader.load("name: a", "kind: Pod\nspec: {containers: [{name: job}]}", "t");
        assertThatThrownBy(() -> JobPodFactory.validate(noImage.podTemplate(), "ConfigMap 'ns/cm' key pod-template.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration in ConfigMap 'ns/cm' key pod-template.yaml: container 'job' of the pod template needs an image");
        LoadedConfig wrongShape = ConfigLoader.load("name: a", "kind: Pod\nspec: {containers: [{name: job, image: x, ports: nope}]}", "t");
        assertThatThrownBy(() -> JobPodFactory.validate(wrongShape.podTemplate(), "src"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("the pod template is not a valid Pod");
    }

    /** Templates that put the node name where YAML could read it as something else than the text around it. */
    private static final String TRICKY = """
            apiVersion: v1
            kind: Pod
            metadata:
              labels:
                plain: {{.NodeName}}
                quoted: "{{.NodeName}}"
                single: '{{.NodeName}}'
                prefixed: n-{{.NodeName}}
                suffixed: {{.NodeName}}0
                "{{.NodeName}}": key
              annotations: &shared
                block: |
                  node {{.NodeName}} of {{.ExecutionID}}
                folded: >
                  a {{.NodeName}}
                  b
                id: {{.ExecutionID}}
                time: 1:{{.NodeName}}
            spec:
              containers:
                - name: job
                  image: busybox
                  args: [{{.NodeName}}, "x{{ .NodeName }}", {{.ExecutionID}}]
                  env:
                    - {name: A, value: {{.NodeName}}}
                    - {name: B, value: "{{.Namespace}}/{{.NodeName}}"}
              priority: 7
              nodeSelector: *shared
            """;

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"worker-1", "10-0-0-1.ec2.internal", "ip-10-1-2-3.eu-west-1.compute.internal",
            "1", "123", "0x1f", "1e5", "1.5", "true", "yes", "no", "n", "y", "on", "null", "inf", "nan", "20", "a", "node.example.com"})
    void aTemplateParsedOncePerExecutionGivesEveryNodeThePodItsOwnTextGives(String node) {
        io.fabric8.kubernetes.client.utils.KubernetesSerialization json = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
        for (String text : List.of(TEMPLATE, TRICKY, "kind: Pod\nspec: {containers: [{name: job, image: busybox}]}")) {
            io.batchjob.core.config.PodTemplate template = ConfigLoader.load("name: scan", text, "test").podTemplate();
            JobPodFactory factory = new JobPodFactory(loaded.config(), template, "jobs", owner);
            for (String execution : List.of("20261127080000", "20261127090000")) {
                factory.fromTemplate(execution, "other-node"); // the tree of this execution is parsed here, then reused
                Pod expected = json.unmarshal(template.render("jobs", execution, node), Pod.class);

                assertThat(json.asJson(factory.fromTemplate(execution, node))).isEqualTo(json.asJson(expected));
            }
        }
    }
}

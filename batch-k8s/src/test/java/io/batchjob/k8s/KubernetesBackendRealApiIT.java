package io.batchjob.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.k8s.Kubectl;
import io.batchjob.testkit.k8s.KubeletLogServer;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Kubernetes backend against a real kube-apiserver: every object the controller writes is
 * accepted as written (pods from every example template, Events with every field a callback can
 * set), a template the server would reject is a configuration error at start-up, and an execution
 * runs with real defaulting, status subresource updates, watches and pod logs through the API
 * server's kubelet proxy.
 */
@RealApi
class KubernetesBackendRealApiIT {

    RealApiCluster cluster;

    @TempDir
    Path reports;

    static Stream<Arguments> exampleTemplates() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Path root = Path.of("..").toAbsolutePath().normalize();
        JsonNode deployed = yaml.readTree(root.resolve("deploy/configmap.yaml").toFile());
        return Stream.of(
                Arguments.of("deploy/configmap.yaml", deployed.path("data").path("pod-template.yaml").asText()),
                Arguments.of("sandbox pod-template.yaml",
                        Files.readString(root.resolve("examples/sandbox/src/main/resources/io/batchjob/sandbox/pod-template.yaml"))),
                Arguments.of("init containers, sidecar, forged env (JobPodFactoryTest)", JobPodFactoryTest.TEMPLATE),
                Arguments.of("script job (KubernetesExecutionRealApiIT)", KubernetesExecutionRealApiIT.TEMPLATE));
    }

    private LoadedConfig config(String yaml, String template) {
        return ConfigLoader.load(yaml, template, "test");
    }

    private JobRequest request(String executionId, String node) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("NODE_NAME", node);
        env.put("EXECUTION_ID", executionId);
        env.put("CALLBACK_TOKEN", "secret-" + node);
        env.put("CALLBACK_SERVICE_RESULT_URL", "http://job:secret@10.0.0.1:8090/report/" + node + "/" + executionId + "/result");
        return new JobRequest(executionId, node, "secret-" + node, env, Duration.ofMinutes(30));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exampleTemplates")
    void podsFromEveryExampleTemplateAreStoredAsTheControllerWroteThem(String source, String template) {
        KubernetesClient admin = cluster.admin();
        admin.serviceAccounts().resource(new ServiceAccountBuilder().withNewMetadata().withName("scanner").endMetadata().build())
                .createOr(existing -> existing.update());
        LoadedConfig loaded = config("name: scan\njobServiceAccount: scanner\njobImagePullSecrets: [{name: registry}]\n", template);
        JobPodFactory factory = new JobPodFactory(loaded.config(), loaded.podTemplate(), cluster.namespace(),
                new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment").withName("scan").withUid("0b7c4d1e-1111-2222-3333-444455556666")
                        .withController(true).build());
        String node = "worker-" + Math.abs(source.hashCode() % 1000) + ".example.internal";
        factory.verifyWithServer(admin, source, request("20261128101500", node).environment());

        Pod written = factory.create(request("20261128101500", node));
        Pod stored = admin.pods().resource(written).create();

        assertThat(stored.getMetadata().getName()).isEqualTo(written.getMetadata().getName());
        assertThat(stored.getMetadata().getLabels()).containsAllEntriesOf(written.getMetadata().getLabels());
        assertThat(stored.getMetadata().getAnnotations()).containsAllEntriesOf(written.getMetadata().getAnnotations());
        assertThat(stored.getSpec().getNodeName()).isEqualTo(node);
        assertThat(stored.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(stored.getSpec().getServiceAccountName()).isEqualTo("scanner");
        assertThat(stored.getSpec().getActiveDeadlineSeconds()).isEqualTo(written.getSpec().getActiveDeadlineSeconds());
        assertThat(JobPodFactory.allContainers(stored.getSpec())).allSatisfy(c -> assertThat(c.getEnv().stream()
                .filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue)))
                .containsAllEntriesOf(request("20261128101500", node).environment()));
        // What the real server adds and the mock does not: defaulting and the ServiceAccount admission.
        assertThat(stored.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(stored.getSpec().getDnsPolicy()).isEqualTo("ClusterFirst");
        assertThat(stored.getSpec().getContainers()).allSatisfy(c -> assertThat(c.getTerminationMessagePath()).isNotBlank());
        assertThat(stored.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getName()).startsWith("kube-api-access-"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            container name with upper case and underscore | containers: [{name: Scan_1, image: busybox}]                            | spec.containers[0].name
            label value over 63 characters                 | containers: [{name: job, image: busybox}]                               | metadata.labels
            negative CPU request                           | containers: [{name: job, image: busybox, resources: {requests: {cpu: "-1"}}}] | spec.containers[0].resources.requests
            container port out of range                    | containers: [{name: job, image: busybox, ports: [{containerPort: 70000}]}] | spec.containers[0].ports[0].containerPort
            two containers with one name                   | containers: [{name: job, image: busybox}, {name: job, image: alpine}]   | spec.containers[1].name
            unknown image pull policy                      | containers: [{name: job, image: busybox, imagePullPolicy: Sometimes}]   | spec.containers[0].imagePullPolicy
            """)
    void aTemplateTheServerRejectsIsAConfigurationErrorAtStartUp(String what, String spec, String field) {
        String labels = what.startsWith("label") ? "metadata: {labels: {team: \"" + "x".repeat(64) + "\"}}\n" : "";
        String template = "apiVersion: v1\nkind: Pod\n" + labels + "spec:\n  " + spec + "\n";
        LoadedConfig loaded = config("name: scan", template);
        JobPodFactory factory = new JobPodFactory(loaded.config(), loaded.podTemplate(), cluster.namespace(), null);

        assertThatThrownBy(() -> factory.verifyWithServer(cluster.admin(), "ConfigMap jobs/scan", request("1", "node").environment()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("invalid configuration in ConfigMap jobs/scan")
                .hasMessageContaining("the API server rejects the job pod made from pod-template.yaml: " + field);
        assertThat(cluster.admin().pods().list().getItems()).as("a dry run stores nothing")
                .noneSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo(JobPodFactory.SAMPLE_NODE));
    }

    /** kubectl describe selects Events on the object's uid: the job pod's and the ConfigMap's Events show there. */
    @Test
    void eventsShowInKubectlDescribeOfTheJobPodAndTheConfigMap() throws Exception {
        KubernetesClient admin = cluster.admin();
        Kubectl kubectl = Kubectl.with(cluster.server().adminKubeconfig());
        Pod pod = admin.pods().resource(new JobPodFactory(config("name: scan", JobPodFactoryTest.TEMPLATE).config(),
                config("name: scan", JobPodFactoryTest.TEMPLATE).podTemplate(), cluster.namespace(), null)
                .create(request("77", "describe-node"))).create();
        admin.configMaps().resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("scan-config")
                .endMetadata().addToData("config.yaml", "name: scan").build()).create();
        KubernetesEventPublisher publisher = new KubernetesEventPublisher(admin, cluster.namespace(), "scan", "scan-controller-0", Clock.systemUTC());

        publisher.publish(new JobEvent("77", "describe-node", true, "DiskFull", "disk of describe-node is 99% full", "n/a"));
        try (ConfigMapEvents events = new ConfigMapEvents(publisher, cluster.namespace(), "scan-config")) {
            events.publish(false, "ManualRunAccepted", "run 'v1' started execution 77", "Run");
        }

        String describePod = kubectl.run("-n", cluster.namespace(), "describe", "pod", pod.getMetadata().getName());
        assertThat(describePod.substring(describePod.indexOf("Events:"))).contains("Warning", "DiskFull", "disk of describe-node is 99% full")
                .doesNotContain("<none>");
        String describeConfigMap = kubectl.run("-n", cluster.namespace(), "describe", "configmap", "scan-config");
        assertThat(describeConfigMap.substring(describeConfigMap.indexOf("Events:"))).contains("ManualRunAccepted", "run 'v1' started execution 77");
        assertThat(kubectl.run("-n", cluster.namespace(), "get", "events")).contains("pod/" + pod.getMetadata().getName(), "configmap/scan-config");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            normal with the Go default action | false | Scanned   | node %s scanned       | n/a
            warning with an action           | true  | Failed    | disk %s is full      | Checked
            reason and action at 128 chars   | false | R         | m                    | A
            note of 1024 three-byte chars    | false | Euro      | €                    | n/a
            """)
    void eventsWithEveryFieldACallbackCanSetAreAccepted(String what, boolean warning, String reason, String message, String action)
            throws Exception {
        KubernetesClient admin = cluster.admin();
        String node = "event-node-" + Math.abs(what.hashCode() % 1000);
        Pod pod = admin.pods().resource(new JobPodFactory(config("name: scan", JobPodFactoryTest.TEMPLATE).config(),
                config("name: scan", JobPodFactoryTest.TEMPLATE).podTemplate(), cluster.namespace(), null)
                .create(request("42", node))).create();
        if (what.startsWith("reason")) {
            reason = "R" + "r".repeat(127);
            action = "A" + "a".repeat(127);
        }
        String note = what.startsWith("note") ? "€".repeat(1024) : message.replace("%s", node);
        new KubernetesEventPublisher(admin, cluster.namespace(), "scan", "scan-controller-0", Clock.systemUTC())
                .publish(new JobEvent("42", node, warning, reason, note, action));

        Event stored = admin.resources(Event.class).list().getItems().stream()
                .filter(e -> pod.getMetadata().getName().equals(e.getRegarding().getName())).findFirst().orElseThrow();
        assertThat(stored.getType()).isEqualTo(warning ? "Warning" : "Normal");
        assertThat(stored.getReason()).isEqualTo(reason);
        assertThat(stored.getAction()).isEqualTo(action);
        assertThat(stored.getRegarding().getUid()).isEqualTo(pod.getMetadata().getUid());
        assertThat(stored.getReportingController()).isEqualTo("scan");
        assertThat(stored.getRelated()).isEqualTo(stored.getRegarding());
        assertThat(stored.getReportingInstance()).isEqualTo("scan-scan-controller-0");
        assertThat(stored.getNote().getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        assertThat(note).startsWith(stored.getNote().replaceAll("\\.\\.\\.$", ""));
    }

    /** What the job's pod does on the simulated kubelet, by node number. */
    private static SimulatedKubelet.Behaviour behaviour(Pod pod) {
        String node = pod.getSpec().getNodeName();
        int n = Integer.parseInt(node.substring(node.lastIndexOf('-') + 1));
        return switch (n % 5) {
            case 1 -> SimulatedKubelet.Behaviour.FAIL;
            case 2 -> SimulatedKubelet.Behaviour.IMAGE_PULL_ERROR;
            default -> SimulatedKubelet.Behaviour.RUN_COMMAND;
        };
    }

    @Test
    void anExecutionRunsOnTheSelectedReadyNodesWithStatusUpdatesWatchesAndLogsThroughTheApiServer() throws Exception {
        KubernetesClient admin = cluster.admin();
        Map<String, JobOutcome> expected = new HashMap<>();
        try (SimulatedKubelet kubelet = new SimulatedKubelet(admin, cluster.namespace(), KubernetesBackendRealApiIT::behaviour);
             KubeletLogServer logs = new KubeletLogServer(cluster.server().kubeletCertificate(), cluster.server().kubeletKey(),
                     (pod, container) -> Optional.of(container.equals("job") ? kubelet.output().getOrDefault(pod, "") : ""))) {
            for (int i = 0; i < 12; i++) {
                String name = "exec-" + cluster.namespace() + "-" + i;
                boolean ready = i % 6 != 3;
                boolean cordoned = i == 4;
                boolean selected = i != 9;
                cluster.createNode(name, ready, cordoned, Map.of("pool", selected ? "scan" : "other"), logs.port());
                if (ready && !cordoned && selected) {
                    expected.put(name, switch (i % 5) {
                        case 1, 2 -> JobOutcome.FAILED;
                        default -> JobOutcome.NO_REPORT;
                    });
                }
            }
            kubelet.onlyLabelled(Map.of(JobLabels.OWNER, "exec")).start();
            LoadedConfig loaded = config("name: exec\npodPoolSize: 3\nsavePodLog: true\n", """
                    apiVersion: v1
                    kind: Pod
                    spec:
                      initContainers:
                        - {name: prepare, image: busybox, command: [sh, -c, "true"]}
                      containers:
                        - name: job
                          image: busybox
                          command: [sh, -c]
                          args: ['echo "scanning $NODE_NAME for {{ .ExecutionID }}"']
                    """);
            Map<String, String> selector = new HashMap<>(cluster.nodeLabel());
            selector.put("pool", "scan");
            ReportStore store = new ReportStore(reports);
            try (EngineOnCluster controller = new EngineOnCluster(cluster.adminClient(c -> c), cluster.namespace(), loaded, reports,
                    selector, Duration.ofSeconds(2), store)) {
                controller.engine.activate();
                TriggerOutcome.Started started = (TriggerOutcome.Started) controller.engine.trigger("manual");
                ExecutionSummary summary = started.completion().get(90, TimeUnit.SECONDS);

                Map<String, JobOutcome> outcomes = summary.jobs().stream().collect(Collectors.toMap(JobSummary::node, JobSummary::outcome));
                assertThat(outcomes).isEqualTo(expected);
                assertThat(summary.jobs()).filteredOn(j -> j.node().endsWith("-2") || j.node().endsWith("-7"))
                        .allSatisfy(j -> assertThat(j.reason()).startsWith("the job pod could not start: ErrImagePull"));
                assertThat(kubelet.peakLive()).isLessThanOrEqualTo(3);
                // Logs of the pods that ran, fetched through the API server's proxy to the node's kubelet.
                String id = started.executionId();
                assertThat(reports.resolve(id).resolve("exec-" + cluster.namespace() + "-0-container-job.log"))
                        .hasContent("scanning exec-" + cluster.namespace() + "-0 for " + id + "\n");
                assertThat(reports.resolve(id).resolve("exec-" + cluster.namespace() + "-0-container-prepare.log")).exists();
                // One pod per node that got one; the stuck ones are deleted.
                List<Pod> pods = admin.pods().withLabel(JobLabels.EXECUTION_ID, id).list().getItems();
                assertThat(pods).extracting(p -> p.getSpec().getNodeName()).doesNotHaveDuplicates()
                        .noneMatch(n -> n.endsWith("-2") || n.endsWith("-7"));
                // The next execution's clean-up removes them.
                controller.backend.deleteJobsExcept("next");
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                        admin.pods().withLabel(JobLabels.OWNER, "exec").list().getItems().isEmpty());
            }
        }
    }

    @Test
    void aJobServiceAccountThatDoesNotExistFailsTheJobWithTheServersReason() throws Exception {
        LoadedConfig loaded = config("name: nosa\njobServiceAccount: not-there\n", JobPodFactoryTest.TEMPLATE);
        cluster.createNode("nosa-" + cluster.namespace(), true, false, Map.of("pool", "nosa"), 0);
        Map<String, String> selector = new HashMap<>(cluster.nodeLabel());
        selector.put("pool", "nosa");
        try (EngineOnCluster controller = new EngineOnCluster(cluster.adminClient(c -> c), cluster.namespace(), loaded, reports,
                selector, Duration.ofSeconds(5), null)) {
            controller.engine.activate();
            ExecutionSummary summary = ((TriggerOutcome.Started) controller.engine.trigger("manual")).completion().get(30, TimeUnit.SECONDS);
            assertThat(summary.jobs()).singleElement().satisfies(j -> {
                assertThat(j.outcome()).isEqualTo(JobOutcome.FAILED);
                assertThat(j.reason()).contains("403").contains("serviceaccount \"not-there\" not found");
            });
        }
    }
}

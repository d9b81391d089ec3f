package io.batchjob.app;

import io.batchjob.core.config.ConfigException;
import io.batchjob.k8s.PodNames;
import io.batchjob.testkit.k8s.KubeletLogServer;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The whole controller (the batch-app wiring) against a real kube-apiserver, running as the
 * ServiceAccount of {@code deploy/rbac.yaml} applied verbatim (hence the namespace the manifest
 * names): config from the ConfigMap, Nodes Ready, NotReady, cordoned, selected and not, job pods
 * whose scripts call back with curl, results, files and Events, pod logs fetched through the API
 * server from the node's kubelet, the summary, metrics and the Lease.
 */
@RealApi(namespace = RbacScenario.NAMESPACE)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControllerRealApiIT {

    RealApiCluster cluster;

    @TempDir
    Path reports;

    private static final String TEMPLATE = """
            apiVersion: v1
            kind: Pod
            metadata:
              labels: {app: node-scan}
            spec:
              initContainers:
                - name: prepare
                  image: busybox
                  command: [sh, -c, "true"]
              containers:
                - name: job
                  image: curlimages/curl:8.10.1
                  command: [sh, -c]
                  args:
                    - |
                      set -e
                      echo "scanning $NODE_NAME"
                      curl -sS -f -X POST -H 'Content-Type: application/json' \\
                        --data-binary "{\\"my_metric\\":[{\\"value\\":2.5,\\"labels\\":{\\"label_a\\":\\"$NODE_NAME\\"}}]}" "$CALLBACK_SERVICE_RESULT_URL"
                      echo "report of $NODE_NAME" | curl -sS -f -X POST --data-binary @- "$CALLBACK_SERVICE_FILE_URL?name=report.txt"
                      curl -sS -f -X POST --data-binary '{"warning":true,"reason":"Scanned","message":"scanned %s","args":["{{.NodeName}}"],"action":"Scan"}' \\
                        "$CALLBACK_SERVICE_EVENT_URL"
                  resources:
                    requests: {cpu: 10m, memory: 16Mi}
            """;

    @BeforeAll
    void installTheDeployManifests() throws Exception {
        RbacScenario.applyRbac(cluster.admin(), RbacScenario.manifest());
        RbacScenario.createControllerPod(cluster.admin(), "deployment");
        // The Service deploy/ has (callbackServiceName), with a real ClusterIP from the API server.
        cluster.admin().services().resource(new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata()
                .withName("batch-job-controller").endMetadata().withNewSpec().addToSelector("app", "controller")
                .addNewPort().withName("callback").withPort(8090).endPort().endSpec().build()).create();
    }

    private static String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void theControllerRunsAnExecutionEndToEndAsItsServiceAccount() throws Exception {
        KubernetesClient admin = cluster.admin();
        String p = "e2e-" + cluster.namespace();
        try (SimulatedKubelet kubelet = new SimulatedKubelet(admin, cluster.namespace(), pod -> SimulatedKubelet.Behaviour.RUN_COMMAND)
                .onlyLabelled(Map.of("app", "node-scan"));
             KubeletLogServer logs = new KubeletLogServer(cluster.server().kubeletCertificate(), cluster.server().kubeletKey(),
                     (pod, container) -> Optional.of(container.equals("job") ? kubelet.output().getOrDefault(pod, "") : ""))) {
            cluster.createNode(p + "-a", true, false, Map.of("pool", "scan"), logs.port());
            cluster.createNode(p + "-b", true, false, Map.of("pool", "scan"), logs.port());
            cluster.createNode(p + "-c", true, false, Map.of("pool", "scan"), logs.port());
            cluster.createNode(p + "-notready", false, false, Map.of("pool", "scan"), logs.port());
            cluster.createNode(p + "-cordoned", true, true, Map.of("pool", "scan"), logs.port());
            cluster.createNode(p + "-other", true, false, Map.of("pool", "other"), logs.port());
            admin.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName(RbacScenario.CONFIG_MAP).endMetadata()
                    .withData(Map.of("config.yaml", """
                            name: e2e
                            podPoolSize: 2
                            runOnStartup: true
                            startupDelay: 0s
                            cronExpression: ""
                            savePodLog: true
                            jobNodeSelector: {pool: scan, %s: %s}
                            metrics:
                              prefix: e2e
                              gauges:
                                my_metric: {help: a metric, labels: [label_a]}
                            """.formatted(RealApiCluster.NODE_LABEL, cluster.namespace()), "pod-template.yaml", TEMPLATE)).build())
                    .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
            kubelet.start();
            ControllerEnvironment env = ControllerEnvironment.from(Map.of("NAMESPACE", cluster.namespace(), "CONFIG_MAP_NAME", RbacScenario.CONFIG_MAP,
                    "POD_IP", "127.0.0.1", "HOSTNAME", RbacScenario.CONTROLLER_POD, "REPORT_DIRECTORY", reports.toString()));
            KubernetesClient asServiceAccount = cluster.serviceAccountClient(RbacScenario.SERVICE_ACCOUNT);
            try (Controller controller = Controller.start(env, asServiceAccount, Listen.loopbackAnyPort(), Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(30)).until(controller::isLeader);
                await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(reports.resolve("latest"))
                        && Files.exists(reports.resolve(".controller").resolve(Files.readSymbolicLink(reports.resolve("latest"))).resolve("_summary.json")));
                String id = Files.readSymbolicLink(reports.resolve("latest")).toString();

                assertThat(Files.readString(reports.resolve(".controller").resolve(id).resolve("_summary.json"))).contains("\"SUCCEEDED\" : 3");
                for (String node : List.of(p + "-a", p + "-b", p + "-c")) {
                    assertThat(reports.resolve(id).resolve(node + ".json")).content().contains("\"label_a\":\"" + node + "\"");
                    assertThat(reports.resolve(id).resolve(node + "-report.txt")).hasContent("report of " + node);
                    assertThat(reports.resolve(id).resolve(node + "-container-job.log")).content().startsWith("scanning " + node);
                    assertThat(reports.resolve(id).resolve(node + "-container-prepare.log")).exists();
                }
                // Job pods as the real server stored them: owned by the controller's Deployment, pinned, defaulted.
                List<Pod> pods = admin.pods().withLabel("batch-job-controller.bakito.github.com/owner", "e2e").list().getItems();
                assertThat(pods).extracting(pod -> pod.getSpec().getNodeName()).containsExactlyInAnyOrder(p + "-a", p + "-b", p + "-c");
                assertThat(pods).allSatisfy(pod -> {
                    assertThat(pod.getMetadata().getName()).isEqualTo(PodNames.of("e2e", pod.getSpec().getNodeName(), id));
                    assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
                            .satisfies(o -> assertThat(o.getKind() + "/" + o.getName()).isEqualTo("Deployment/" + RbacScenario.DEPLOYMENT));
                    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
                });
                List<Event> events = admin.resources(Event.class).list().getItems().stream()
                        .filter(e -> "e2e".equals(e.getReportingController()) && "Pod".equals(e.getRegarding().getKind())).toList();
                assertThat(events).extracting(Event::getNote)
                        .containsExactlyInAnyOrder("scanned " + p + "-a", "scanned " + p + "-b", "scanned " + p + "-c");
                assertThat(events).allSatisfy(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getAction()).isEqualTo("Scan");
                    assertThat(e.getReason()).isEqualTo("Scanned");
                    assertThat(e.getReportingInstance()).isEqualTo("e2e-" + RbacScenario.CONTROLLER_POD);
                    assertThat(e.getRegarding().getUid()).isNotBlank();
                    assertThat(e.getRelated()).isEqualTo(e.getRegarding());
                });
                String leaseUid = admin.leases().withName("e2e-leader-election").get().getMetadata().getUid();
                await().untilAsserted(() -> assertThat(admin.resources(Event.class).list().getItems())
                        .filteredOn(e -> "LeaderElection".equals(e.getReason()) && leaseUid.equals(e.getRegarding().getUid()))
                        .isNotEmpty().allSatisfy(e -> {
                            assertThat(e.getRegarding().getKind() + "/" + e.getRegarding().getName()).isEqualTo("Lease/e2e-leader-election");
                            assertThat(e.getNote()).isEqualTo(RbacScenario.CONTROLLER_POD + " became leader");
                        }));
                await().untilAsserted(() -> assertThat(get(controller.metricsPort(), "/metrics"))
                        .contains("e2e_my_metric{executionID=\"" + id + "\",label_a=\"" + p + "-a\",node=\"" + p + "-a\"} 2.5")
                        .contains("e2e_processing{executionID=\"" + id + "\",node=\"" + p + "-b\"} 0.0")
                        .contains("batch_job_controller_executions_total{result=\"success\"} 1.0"));
                assertThat(admin.leases().withName("e2e-leader-election").get().getSpec().getHolderIdentity())
                        .isEqualTo(RbacScenario.CONTROLLER_POD);
                // Owned by the controller's Deployment, so that it goes with helm uninstall (garbage collection).
                await().untilAsserted(() -> assertThat(admin.leases().withName("e2e-leader-election").get().getMetadata().getOwnerReferences())
                        .singleElement().satisfies(o -> assertThat(o.getKind() + "/" + o.getName()).isEqualTo("Deployment/" + RbacScenario.DEPLOYMENT)));
            }
        }
    }

    @Test
    void aTemplateTheServerRejectsStopsTheStartWithAConfigurationError() {
        cluster.admin().configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName(RbacScenario.CONFIG_MAP).endMetadata()
                .withData(Map.of("config.yaml", "name: bad\ncronExpression: \"\"\n", "pod-template.yaml", """
                        apiVersion: v1
                        kind: Pod
                        metadata:
                          labels: {team: "%s"}
                        spec:
                          containers: [{name: Scanner_1, image: busybox}]
                        """.formatted("t".repeat(64)))).build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
        ControllerEnvironment env = ControllerEnvironment.from(Map.of("NAMESPACE", cluster.namespace(), "CONFIG_MAP_NAME", RbacScenario.CONFIG_MAP,
                "POD_IP", "127.0.0.1", "HOSTNAME", RbacScenario.CONTROLLER_POD, "REPORT_DIRECTORY", reports.toString()));

        assertThatThrownBy(() -> Controller.start(env, cluster.serviceAccountClient(RbacScenario.SERVICE_ACCOUNT), Listen.loopbackAnyPort(),
                Clock.systemUTC()).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("invalid configuration in ConfigMap " + cluster.namespace() + "/" + RbacScenario.CONFIG_MAP + " (2 problems)")
                .hasMessageContaining("spec.containers[0].name: Invalid value: \"Scanner_1\"")
                .hasMessageContaining("metadata.labels: Invalid value: \"" + "t".repeat(64) + "\": must be no more than 63 bytes");
        assertThat(cluster.admin().pods().list().getItems()).extracting(HasMetadata::getMetadata)
                .noneSatisfy(m -> assertThat(m.getName()).startsWith("bad-job-"));
    }

    /** Each verb of each rule of deploy/rbac.yaml, the controller pod's owner kind it needs, and the step that needs it. */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> rules() {
        return java.util.stream.Stream.of(
                rule("", "nodes", "list", "deployment", "list nodes"),
                rule("", "configmaps", "get", "deployment", "load config"),
                rule("", "configmaps", "list", "deployment", "watch config"),
                rule("", "configmaps", "watch", "deployment", "watch config"),
                rule("", "configmaps", "patch", "deployment", "record a handled request"),
                rule("", "pods", "get", "deployment", "find owner"),
                rule("", "pods", "list", "deployment", "watch job pods"),
                rule("", "pods", "watch", "deployment", "watch job pods"),
                rule("", "pods", "create", "deployment", "create job pod"),
                rule("", "pods", "deletecollection", "deployment", "delete old pods"),
                rule("", "pods", "delete", "deployment", "stop a job"),
                rule("", "pods/log", "get", "deployment", "save pod log"),
                rule("", "services", "get", "deployment", "resolve callback host"),
                rule("events.k8s.io", "events", "create", "deployment", "create event"),
                rule("coordination.k8s.io", "leases", "get", "deployment", "lead"),
                rule("coordination.k8s.io", "leases", "create", "deployment", "lead"),
                rule("coordination.k8s.io", "leases", "patch", "deployment", "lead"),
                rule("apps", "replicasets", "get", "deployment", "find owner"),
                rule("apps", "deployments", "get", "deployment", "find owner"),
                rule("", "replicationcontrollers", "get", "replicationcontroller", "find owner"),
                rule("apps.openshift.io", "deploymentconfigs", "get", "deploymentconfig", "find owner"));
    }

    private static org.junit.jupiter.params.provider.Arguments rule(String group, String resource, String verb, String owner, String step) {
        return org.junit.jupiter.params.provider.Arguments.of(group, resource, verb, owner, step);
    }

    private int runs;

    /** Runs the scenario's steps as the ServiceAccount; returns the first step that failed and why, or null. */
    private String[] scenario(String variant, String caseName) throws Exception {
        KubernetesClient admin = cluster.admin();
        String node = "rbac-" + caseName + "-" + cluster.namespace();
        List<AutoCloseable> cleanup = new java.util.ArrayList<>();
        try (SimulatedKubelet kubelet = new SimulatedKubelet(admin, cluster.namespace(), pod -> SimulatedKubelet.Behaviour.RUN_COMMAND)
                .onlyLabelled(Map.of("batch-job-controller.bakito.github.com/owner", "rbac-" + caseName));
             KubeletLogServer logs = new KubeletLogServer(cluster.server().kubeletCertificate(), cluster.server().kubeletKey(),
                     (pod, container) -> Optional.of(kubelet.output().getOrDefault(pod, "")));
             RbacScenario.LogCapture captured = new RbacScenario.LogCapture()) {
            cluster.createNode(node, true, false, Map.of("kubernetes.io/hostname", node), logs.port());
            kubelet.start();
            Path dir = Files.createDirectories(reports.resolve(caseName));
            try {
                for (RbacScenario.Step step : RbacScenario.steps(cluster.serviceAccountClient(RbacScenario.SERVICE_ACCOUNT), admin, variant,
                        caseName, node, dir, captured, cleanup)) {
                    try {
                        step.run();
                    } catch (Exception | AssertionError e) {
                        return new String[]{step.name(), e.toString()};
                    }
                }
                return null;
            } finally {
                for (AutoCloseable c : cleanup) {
                    c.close();
                }
            }
        }
    }

    private void installRbac(List<HasMetadata> objects, String group, String resource, String verb, boolean expectAllowed) {
        RbacScenario.applyRbac(cluster.admin(), objects);
        // RBAC changes reach the authorizer through its informers: wait until they are in force.
        await().atMost(Duration.ofSeconds(10)).until(() -> RbacScenario.allowed(cluster.admin(), group, resource, verb) == expectAllowed);
    }

    @Test
    void theWholeScenarioPassesWithTheManifestAsItIs() throws Exception {
        cluster.admin().configMaps().resource(rbacConfig()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
        List<String> variants = List.of("deployment", "replicationcontroller", "deploymentconfig");
        for (int i = 0; i < variants.size(); i++) {
            String variant = variants.get(i);
            if (cluster.admin().pods().withName(ownerPod(variant)).get() == null) {
                RbacScenario.createControllerPod(cluster.admin(), variant);
            }
            assertThat(scenario(variant, "all-" + i)).as("as the ServiceAccount, with owner " + variant).isNull();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "without {2} on {0}/{1}: step \"{4}\" fails with 403")
    @org.junit.jupiter.params.provider.MethodSource("rules")
    void removingOneRuleMakesTheStepThatNeedsItFailWith403(String group, String resource, String verb, String variant, String step)
            throws Exception {
        cluster.admin().configMaps().resource(rbacConfig()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
        if (cluster.admin().pods().withName(ownerPod(variant)).get() == null) {
            RbacScenario.createControllerPod(cluster.admin(), variant);
        }
        List<HasMetadata> full = RbacScenario.manifest();
        installRbac(RbacScenario.without(full, resource, verb), group, resource, verb, false);
        try {
            String[] failed = scenario(variant, "r" + (++runs));
            assertThat(failed).as("a step must fail").isNotNull();
            assertThat(failed[0]).as("the failing step (" + failed[1] + ")").isEqualTo(step);
            assertThat(failed[1]).containsAnyOf("403", "Forbidden", "forbidden");
        } finally {
            installRbac(full, group, resource, verb, true);
        }
    }

    private static String ownerPod(String variant) {
        return switch (variant) {
            case "replicationcontroller" -> RbacScenario.RC_POD;
            case "deploymentconfig" -> RbacScenario.DC_POD;
            default -> RbacScenario.CONTROLLER_POD;
        };
    }

    private static io.fabric8.kubernetes.api.model.ConfigMap rbacConfig() {
        return new ConfigMapBuilder().withNewMetadata().withName(RbacScenario.CONFIG_MAP).endMetadata()
                .withData(Map.of("config.yaml", "name: rbac\nsavePodLog: true\n", "pod-template.yaml", """
                        apiVersion: v1
                        kind: Pod
                        spec:
                          containers:
                            - {name: job, image: busybox, command: [sh, -c, "echo scanned"]}
                        """)).build();
    }
}

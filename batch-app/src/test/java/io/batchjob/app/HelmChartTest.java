package io.batchjob.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.LintResult;
import io.batchjob.app.helm.HelmChart;
import io.batchjob.app.helm.TypedObjects;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.k8s.JobPodFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.openshift.api.model.Route;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Helm chart ({@code deploy/helm/batch-job-controller}) with the Helm helm-java bundles:
 * {@code helm lint --strict} and {@code helm template} for the defaults, a values file of the Go
 * controller's chart and a maximal one; every rendered object parses into its fabric8 type with no
 * field the type does not know; the rendered ConfigMap loads in our config loader; the defaults are
 * deploy/*.yaml; the schema refuses unknown and mistyped values; the pod rolls only for config the
 * controller cannot apply live. The server-side dry run is {@link HelmChartRealApiIT}.
 */
class HelmChartTest {

    private static final Path DEPLOY = Path.of("..", "deploy");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Labels and annotations only Helm adds (the plain manifests have no release). */
    private static final Set<String> HELM_ONLY = Set.of("app.kubernetes.io/instance", "app.kubernetes.io/version",
            "app.kubernetes.io/managed-by", "helm.sh/chart", "checksum/config", "helm.sh/resource-policy");

    static Stream<String> valuesFiles() {
        return HelmChart.VALUES.keySet().stream();
    }

    private static List<HasMetadata> render(String values) {
        return HelmChart.render(HelmChart.VALUES.get(values), Map.of());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void lintPassesStrictly(String values) throws Exception {
        LintResult lint = HelmChart.lint(HelmChart.VALUES.get(values));

        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void everyRenderedObjectParsesIntoItsFabric8TypeWithoutUnknownFields(String values) {
        List<HasMetadata> objects = render(values);

        assertThat(objects).isNotEmpty().noneMatch(o -> o instanceof GenericKubernetesResource);
        for (HasMetadata o : objects) {
            assertThat(TypedObjects.unknownFields(o)).as(o.getKind() + " " + o.getMetadata().getName()).isEmpty();
            assertThat(o.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "Helm");
        }
        // The job pod template is a Pod too, and must be one without unknown fields.
        Pod template = SERIALIZATION.unmarshal(HelmChart.controllerConfigMap(objects).getData().get("pod-template.yaml"), Pod.class);
        assertThat(TypedObjects.unknownFields(template)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void theRenderedConfigMapLoadsInOurConfigLoaderWithoutWarnings(String values) {
        ConfigMap cm = HelmChart.controllerConfigMap(render(values));

        LoadedConfig loaded = ConfigLoader.load(cm.getData().get("config.yaml"), cm.getData().get("pod-template.yaml"), "chart " + values);
        JobPodFactory.validate(loaded.podTemplate(), "chart " + values);
        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().schedule()).isPresent();
    }

    @Test
    void theDefaultsRenderTheObjectsOfTheDeployDirectory() throws Exception {
        List<HasMetadata> plain = new ArrayList<>();
        for (String file : List.of("rbac.yaml", "configmap.yaml", "deployment.yaml")) {
            try (InputStream in = Files.newInputStream(DEPLOY.resolve(file))) {
                plain.addAll(HelmChart.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)));
            }
        }

        Map<String, JsonNode> chart = byKindAndName(HelmChart.render(Map.of()));
        Map<String, JsonNode> deploy = byKindAndName(plain);
        String hint = "chart defaults (without Helm's labels) vs deploy/*.yaml: when the chart changed on purpose, render it "
                + "(namespace batch-jobs) and copy the objects over";
        assertThat(chart.keySet()).as(hint).isEqualTo(deploy.keySet());
        chart.forEach((object, tree) -> assertThat(tree).as(hint + ": " + object).isEqualTo(deploy.get(object)));
    }

    private static Map<String, JsonNode> byKindAndName(List<HasMetadata> objects) throws java.io.IOException {
        Map<String, JsonNode> m = new TreeMap<>();
        for (HasMetadata o : objects) {
            m.put(o.getKind() + "/" + o.getMetadata().getName(), normalise(JSON.readTree(SERIALIZATION.asJson(o))));
        }
        return m;
    }

    private static JsonNode normalise(JsonNode node) {
        if (node instanceof ObjectNode obj) {
            for (String key : List.of("labels", "annotations")) {
                if (obj.get(key) instanceof ObjectNode map) {
                    HELM_ONLY.forEach(map::remove);
                    if (map.isEmpty()) {
                        obj.remove(key);
                    }
                }
            }
            obj.fields().forEachRemaining(e -> normalise(e.getValue()));
        } else if (node != null && node.isArray()) {
            node.forEach(HelmChartTest::normalise);
        }
        return node;
    }

    @Test
    void withSeveralReplicasJobPodsCallTheServiceAndOneReplicaKeepsThePodIpAsTheGoChart() {
        java.util.function.Function<Map<String, Object>, List<String>> env = set -> HelmChart.deployment(HelmChart.render(set)).getSpec()
                .getTemplate().getSpec().getContainers().get(0).getEnv().stream().map(io.fabric8.kubernetes.api.model.EnvVar::getName).toList();
        assertThat(env.apply(Map.of())).contains("POD_IP");
        assertThat(env.apply(Map.of("deployment.replicas", 2))).doesNotContain("POD_IP").contains("HOSTNAME", "NAMESPACE");
        // ... so the callback host is the Service's ClusterIP (callbackServiceName, set by the chart): every ready replica.
        ConfigMap cm = HelmChart.controllerConfigMap(HelmChart.render(Map.of("deployment.replicas", 2)));
        ControllerConfig config = ConfigLoader.load(cm.getData().get("config.yaml"), cm.getData().get("pod-template.yaml"), "chart").config();
        assertThat(config.callbackServiceName()).isNotBlank();
    }

    @Test
    void theGoChartsValuesKeepWorking() {
        List<HasMetadata> objects = render("go-chart-values");
        Deployment d = HelmChart.deployment(objects);
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        ConfigMap cm = HelmChart.controllerConfigMap(objects);
        ControllerConfig config = ConfigLoader.load(cm.getData().get("config.yaml"), cm.getData().get("pod-template.yaml"), "go").config();
        Pod template = SERIALIZATION.unmarshal(cm.getData().get("pod-template.yaml"), Pod.class);

        // name: every object, the ConfigMap the controller reads, the controller's name and (as the Go chart) the prefix
        assertThat(objects).allMatch(o -> o.getMetadata().getName().startsWith("example-job-controller"));
        assertThat(c.getEnv()).contains(new EnvVar("CONFIG_MAP_NAME", "example-job-controller", null));
        assertThat(config.name()).isEqualTo("example-job-controller");
        assertThat(config.metrics().prefix()).isEqualTo("example_job_controller");
        // deployment.*
        assertThat(d.getSpec().getReplicas()).isEqualTo(1);
        // The Go image would not run this chart's controller: ours is used, and the notes say so.
        assertThat(c.getImage()).isEqualTo("batch-job-controller:" + HelmChart.chartAppVersion());
        assertThat(HelmChart.notes("example", HelmChart.VALUES.get("go-chart-values"), Map.of()))
                .contains("WARNING: deployment.image names the Go controller's image (ghcr.io/bakito/batch-job-controller:v1.2.3)")
                .contains("batch-job-controller:" + HelmChart.chartAppVersion() + " is used instead");
        assertThat(c.getImagePullPolicy()).isEqualTo("Always");
        assertThat(config.schedule().orElseThrow().expression()).isEqualTo("*/10 * * * *");
        assertThat(config.reportDirectory()).isEqualTo(Path.of("/var/www"));
        assertThat(config.reportHistory()).isEqualTo(10);
        assertThat(config.podPoolSize()).isEqualTo(5);
        assertThat(config.runOnStartup()).isFalse();
        PersistentVolumeClaim pvc = HelmChart.one(objects, PersistentVolumeClaim.class);
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("fast-ssd");
        assertThat(d.getSpec().getTemplate().getSpec().getVolumes()).anyMatch(v -> v.getPersistentVolumeClaim() != null
                && v.getPersistentVolumeClaim().getClaimName().equals(pvc.getMetadata().getName()));
        assertThat(d.getMetadata().getLabels()).containsEntry("team", "compliance");
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("team", "compliance");
        assertThat(d.getMetadata().getAnnotations()).containsEntry("owner", "platform@example.com");
        assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("owner", "platform@example.com");
        assertThat(c.getEnv()).contains(new EnvVar("HTTP_PROXY", "http://proxy.example.com:3128", null),
                new EnvVar("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75", null));
        assertThat(c.getStartupProbe()).isNotNull();
        assertThat(c.getReadinessProbe()).isNotNull();
        assertThat(c.getLivenessProbe()).as("probes.liveness: false").isNull();
        // jobPod.image
        assertThat(template.getSpec().getContainers()).extracting(Container::getImage).containsExactly("redhat/ubi10:latest");
    }

    /** {@code a=1,b.c=2} as --set values; {@code -} for none. */
    private static Map<String, Object> sets(String values) {
        Map<String, Object> set = new LinkedHashMap<>();
        if (!values.equals("-")) {
            for (String kv : values.split(",")) {
                set.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return set;
    }

    @ParameterizedTest(name = "release {0} with {1} -> {2}")
    @CsvSource(delimiterString = " | ", value = {
            "scan | - | scan-batch-job-controller",
            "batch-job-controller | - | batch-job-controller",
            "prod-batch-job-controller-eu | - | prod-batch-job-controller-eu",
            "scan | nameOverride=checks | scan-checks",
            "scan | fullnameOverride=node-checks | node-checks",
            "scan | name=go-named | go-named",
            "scan | name=go-named,fullnameOverride=ignored | go-named"})
    void objectsAreNamedAfterTheReleaseAsHelmUsersExpectAndTheGoChartsNameWins(String release, String values, String expected) {
        Map<String, Object> set = sets(values);
        List<HasMetadata> objects = HelmChart.renderRelease(release, null, set);

        assertThat(objects).extracting(o -> o.getMetadata().getName())
                .allMatch(n -> n.equals(expected) || n.startsWith(expected + "-"), "named " + expected + "[-...]");
        Container c = HelmChart.deployment(objects).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getEnv()).contains(new EnvVar("CONFIG_MAP_NAME", expected, null));
        ConfigMap cm = HelmChart.controllerConfigMap(objects);
        assertThat(ConfigLoader.load(cm.getData().get("config.yaml"), cm.getData().get("pod-template.yaml"), "x").config().name())
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " | ", value = {
            "defaults | - | batch-job-controller:APP",
            "image.repository and image.tag | image.repository=registry.example.com/bjc,image.tag=1.0 | registry.example.com/bjc:1.0",
            "the Go chart's keys with another image | deployment.image=registry.example.com/mirror,deployment.imageTag=2.0 | registry.example.com/mirror:2.0",
            "the Go image is replaced | deployment.image=quay.io/bakito/batch-job-controller,deployment.imageTag=v1 | batch-job-controller:APP"})
    void theImageComesFromImageRepositoryAndTagOrTheGoChartsKeys(String what, String values, String expected) {
        Map<String, Object> set = sets(values);
        Container c = HelmChart.deployment(HelmChart.render(set)).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getImage()).isEqualTo(expected.replace("APP", HelmChart.chartAppVersion()));
    }

    @Test
    void defaultsAreTheGoChartsWhereAMigratingUserWouldBeHurtAndTheNotesSayWhatToDoFirst() throws Exception {
        ConfigMap cm = HelmChart.controllerConfigMap(HelmChart.render(Map.of()));
        ControllerConfig config = ConfigLoader.load(cm.getData().get("config.yaml"), cm.getData().get("pod-template.yaml"), "x").config();
        assertThat(config.jobTimeoutLimit()).as("no per-job limit, as the Go chart").isEmpty();
        assertThat(config.runOnStartup()).as("no run at install, as the Go chart").isFalse();

        String notes = HelmChart.notes("scan", null, Map.of());
        assertThat(notes)
                .contains("installed as scan-batch-job-controller in namespace batch-jobs")
                .contains("kubectl -n batch-jobs port-forward deploy/scan-batch-job-controller 8080:8080")
                .contains("kubectl -n batch-jobs annotate configmap scan-batch-job-controller batch-job-controller.bakito.github.com/run=")
                .contains("kubectl -n batch-jobs get pods -l batch-job-controller.bakito.github.com/owner=scan-batch-job-controller")
                .contains("kubectl -n batch-jobs describe configmap scan-batch-job-controller")
                .contains("describe lease scan-batch-job-controller-leader-election")
                .doesNotContain("WARNING");
    }

    @Test
    void theGoChartsPersistenceSwitchTurnsTheClaimIntoAnEmptyDir() {
        List<HasMetadata> objects = HelmChart.render(HelmChart.VALUES.get("go-chart-values"), Map.of("deployment.withPersistentVolume", false));

        assertThat(objects).noneMatch(o -> o instanceof PersistentVolumeClaim);
        assertThat(HelmChart.deployment(objects).getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> v.getName().equals("reports")).singleElement().satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
    }

    @Test
    void persistenceSizeAccessModesAndStorageClassReachTheClaim() {
        Map<String, Object> set = new LinkedHashMap<>();
        set.put("persistence.size", "20Gi");
        set.put("persistence.accessModes[0]", "ReadWriteMany");
        set.put("persistence.storageClassName", "nfs");
        PersistentVolumeClaim pvc = HelmChart.one(HelmChart.render(set), PersistentVolumeClaim.class);

        assertThat(pvc.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("20Gi");
        assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("nfs");
        assertThat(pvc.getMetadata().getAnnotations()).as("kept on helm uninstall").containsEntry("helm.sh/resource-policy", "keep");
    }

    @Test
    void theMaximalValuesReachTheirObjects() {
        List<HasMetadata> objects = render("maximal-values");
        Deployment d = HelmChart.deployment(objects);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        ConfigMap cm = HelmChart.controllerConfigMap(objects);
        LoadedConfig loaded = ConfigLoader.load(cm.getData().get("config.yaml"), cm.getData().get("pod-template.yaml"), "max");
        ControllerConfig config = loaded.config();

        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        assertThat(c.getImage()).isEqualTo("registry.example.com/platform/batch-job-controller:1.0.0");
        assertThat(c.getPorts()).extracting(p -> p.getContainerPort()).containsExactly(18080, 18090, 19152, 19153);
        assertThat(HelmChart.one(objects, Service.class).getSpec().getPorts()).extracting(p -> p.getPort()).containsExactly(18080, 18090, 19153);
        assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/reports", "/etc/pki/ca-trust/extracted");
        assertThat(c.getEnv()).extracting(EnvVar::getName).contains("HTTPS_PROXY", "JAVA_TOOL_OPTIONS", "NODE_IP");
        assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("registry-pull");
        assertThat(pod.getNodeSelector()).containsKey("node-role.kubernetes.io/infra");
        assertThat(pod.getTolerations()).hasSize(1);
        assertThat(pod.getAffinity().getPodAntiAffinity()).isNotNull();
        assertThat(pod.getPriorityClassName()).isEqualTo("system-cluster-critical");
        assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(60);
        assertThat(pod.getServiceAccountName()).isEqualTo("node-scan-controller");
        assertThat(HelmChart.one(objects, ServiceAccount.class).getMetadata().getName()).isEqualTo("node-scan-controller");
        assertThat(objects).filteredOn(o -> o instanceof RoleBinding || o instanceof ClusterRoleBinding)
                .allSatisfy(b -> assertThat(b instanceof RoleBinding rb ? rb.getSubjects() : ((ClusterRoleBinding) b).getSubjects())
                        .extracting(s -> s.getName()).containsExactly("node-scan-controller"));
        // OpenShift: the SCC assigns the user; the ServiceAccount may use nonroot-v2; a Route to the reports
        assertThat(pod.getSecurityContext().getRunAsUser()).isNull();
        assertThat(pod.getSecurityContext().getFsGroup()).isNull();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(HelmChart.named(objects, Role.class, "node-scan-scc").orElseThrow().getRules()).singleElement()
                .satisfies(r -> assertThat(r.getVerbs()).containsExactly("use"))
                .satisfies(r -> assertThat(r.getResourceNames()).containsExactly("nonroot-v2"));
        Route route = HelmChart.one(objects, Route.class);
        assertThat(route.getSpec().getHost()).isEqualTo("node-scan.apps.example.com");
        assertThat(route.getSpec().getTls().getTermination()).isEqualTo("edge");
        // persistence.existingClaim: no claim of its own
        assertThat(objects).noneMatch(o -> o instanceof PersistentVolumeClaim);
        assertThat(pod.getVolumes()).anyMatch(v -> v.getPersistentVolumeClaim() != null
                && v.getPersistentVolumeClaim().getClaimName().equals("node-scan-reports-rwx"));
        // Monitoring
        ServiceMonitor sm = HelmChart.one(objects, ServiceMonitor.class);
        assertThat(sm.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
        assertThat(sm.getSpec().getEndpoints()).singleElement().satisfies(e -> {
            assertThat(e.getPort()).isEqualTo("metrics");
            assertThat(e.getInterval()).isEqualTo("1m");
            assertThat(e.getScrapeTimeout()).isEqualTo("30s");
        });
        PrometheusRule rule = HelmChart.one(objects, PrometheusRule.class);
        assertThat(rule.getSpec().getGroups()).singleElement().satisfies(g -> {
            assertThat(g.getRules()).extracting(r -> r.getAlert()).containsExactly("BatchJobExecutionProblems", "BatchJobNodeFailing",
                    "BatchJobNoExecutionFinished", "BatchJobJobsStuck", "BatchJobCallbacksFailing", "BatchJobControllerDown");
            assertThat(g.getRules()).allSatisfy(r -> {
                assertThat(r.getExpr().getStrVal()).contains("job=\"node-scan\"");
                assertThat(r.getLabels()).containsEntry("team", "compliance");
            });
            assertThat(g.getRules().get(1).getExpr().getStrVal()).endsWith(">= 2");
            assertThat(g.getRules().get(2).getExpr().getStrVal()).contains("1.5 * batch_job_controller_schedule_longest_interval_seconds");
            assertThat(g.getRules().get(3).getExpr().getStrVal()).contains("[2h]");
            assertThat(g.getRules().get(4).getExpr().getStrVal()).endsWith("> 0.1");
        });
        ConfigMap dashboard = HelmChart.named(objects, ConfigMap.class, "node-scan-dashboard").orElseThrow();
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(dashboard.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Batch jobs");
        assertThat(dashboard.getData().get("batch-job-controller.json")).isEqualTo(readDashboard());
        // config.yaml: every key as given
        assertThat(loaded.warnings()).isEmpty();
        assertThat(config.name()).isEqualTo("node-scan");
        assertThat(config.jobServiceAccount()).isEqualTo("node-scanner");
        assertThat(config.jobNodeSelector()).containsKey("node-role.kubernetes.io/worker");
        assertThat(config.runOnUnscheduledNodes()).isTrue();
        assertThat(config.podPoolSize()).isEqualTo(25);
        assertThat(config.reportHistory()).isEqualTo(14);
        assertThat(config.jobTimeout()).isEqualTo(Duration.ofMinutes(45));
        assertThat(config.jobRetries()).isEqualTo(new io.batchjob.core.config.JobRetries(2, Duration.ofMinutes(1)));
        assertThat(config.latestMetricsLabel()).isTrue();
        assertThat(config.savePodLog()).isTrue();
        assertThat(config.maxSeriesPerResult()).isEqualTo(5000);
        assertThat(config.budgets()).isEqualTo(new io.batchjob.core.config.Budgets(2000, 2L << 30, 500_000));
        assertThat(config.callbackRelayWait()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.metrics().prefix()).isEqualTo("node_scan");
        assertThat(config.metrics().gauges()).containsOnlyKeys("open_ports", "cis_score");
        assertThat(config.custom().asMap()).containsKeys("scanProfile", "thresholds");
        // jobPod.template (a Pod object) and jobPod.script (the ConfigMap's run.sh)
        Pod template = SERIALIZATION.unmarshal(cm.getData().get("pod-template.yaml"), Pod.class);
        assertThat(template.getSpec().getContainers()).extracting(Container::getName).containsExactly("scan");
        assertThat(template.getSpec().getContainers().get(0).getEnv()).contains(new EnvVar("SCAN_NODE", "{{ .NodeName }}", null));
        assertThat(cm.getData().get("run.sh")).contains("checking $NODE_NAME");
    }

    static String readDashboard() {
        try {
            return Files.readString(HelmChart.DIR.resolve("files/grafana-dashboard.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aPodTemplateFileComesInVerbatimAndWithoutAScriptNoRunShIsAdded() throws Exception {
        String file = """
                apiVersion: v1
                kind: Pod
                spec:
                  containers:
                    - name: check
                      image: busybox:1.36
                      command: [sh, -c, 'echo {{.NodeName}} > /dev/null']
                """;
        List<HasMetadata> objects = HelmChart.render(Map.of("jobPod.template", file));
        ConfigMap cm = HelmChart.controllerConfigMap(objects);

        assertThat(cm.getData().get("pod-template.yaml")).isEqualTo(file);
        assertThat(cm.getData()).doesNotContainKey("run.sh");
        JobPodFactory.validate(ConfigLoader.load(cm.getData().get("config.yaml"), cm.getData().get("pod-template.yaml"), "file").podTemplate(), "file");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiterString = " | ", value = {
            "deployment.replicaz | 2 | Additional property replicaz is not allowed",
            "deployment.replicas | two | deployment.replicas",
            "deployment.imagePullPolicy | Sometimes | deployment.imagePullPolicy",
            "deployment.probes.startup | maybe | deployment.probes.startup",
            "config.podPoolSize | 0 | config.podPoolSize",
            "config.reportHistory | -1 | config.reportHistory",
            "config.concurrencyPolicy | Allow | config.concurrencyPolicy",
            "config.callbackAuth | basic | config.callbackAuth",
            "config.jobTimeout | 10 minutes | config.jobTimeout",
            "config.jobRetries | 11 | config.jobRetries",
            "config.jobRetries | twice | config.jobRetries",
            "config.jobRetryDelay | a while | config.jobRetryDelay",
            "config.startupDelay | soon | config.startupDelay",
            "config.maxUploadSize | 5 MB | config.maxUploadSize",
            "config.callbackServicePort | 70000 | config.callbackServicePort",
            "config.reportDirectory | reports | config.reportDirectory",
            "config.cronExpression | bogus | config.cronExpression",
            "config.cronExpression | * * * * | config.cronExpression",
            "config.cronExpression | @fortnightly | config.cronExpression",
            "deployment.cronExpression | every minute | deployment.cronExpression",
            "image.repositry | x | Additional property repositry is not allowed",
            "fullnameOverride | Bad_Name | fullnameOverride",
            "config.reportFileMode | 0755 | config.reportFileMode",
            "config.reportFileMode | rw-r--r-- | config.reportFileMode",
            "config.cronExpresion | @daily | Additional property cronExpresion is not allowed",
            "config.metrics.prefix | 1bad | config.metrics.prefix",
            "config.metrics.gauges.x.labels[0] | bad-label | config.metrics.gauges.x.labels.0",
            "config.metrics.gauges.x.helpp | h | Additional property helpp is not allowed",
            "name | Bad_Name | name",
            "persistence.size | big | persistence.size",
            "persistence.accessModes[0] | ReadWriteSometimes | persistence.accessModes.0",
            "prometheusRule.callbackErrorRatio | 2 | prometheusRule.callbackErrorRatio",
            "prometheusRule.jobsStuckFor | 1 hour | prometheusRule.jobsStuckFor",
            "serviceMonitor.enabled | yes please | serviceMonitor.enabled",
            "openshift.route.tls | none | openshift.route.tls",
            "unknownTopLevel | 1 | Additional property unknownTopLevel is not allowed"})
    void theSchemaRefusesUnknownAndMistypedValuesNamingThem(String key, String value, String message) {
        Map<String, Object> set = new LinkedHashMap<>();
        set.put(key, value);

        assertThatThrownBy(() -> HelmChart.render(set))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(message);
    }

    /** Keys the controller cannot change while running ({@link ConfigReload#RESTART_KEYS}), each with another value. */
    private static final Map<String, Object> RESTART_CHANGES = Map.ofEntries(
            Map.entry("name", "other-name"), Map.entry("reportDirectory", "/data"), Map.entry("callbackServicePort", 18090),
            Map.entry("reportServerPort", 18080), Map.entry("healthProbePort", 19152), Map.entry("metrics.port", 19153),
            Map.entry("metrics.prefix", "other"), Map.entry("callbackServiceName", "other-svc"), Map.entry("callbackAuth", "none"),
            Map.entry("maxUploadSize", "5Mi"), Map.entry("maxResultSize", "2Mi"), Map.entry("maxSeriesPerResult", 77),
            Map.entry("savePodLog", true), Map.entry("latestMetricsLabel", true), Map.entry("leaderElectionResourceLock", "leases"),
            Map.entry("reportFileMode", "0640"), Map.entry("maxFilesPerJob", 5), Map.entry("maxBytesPerJob", "3Gi"),
            Map.entry("maxSeriesInMemory", 123456), Map.entry("callbackRelayWait", "90s"));
    /** Restart keys that only matter at the next start: changing them has nothing to apply now, so no roll. */
    private static final Map<String, Object> NEXT_START_ONLY = Map.of("runOnStartup", false, "startupDelay", "2m");
    /** Keys (and chart values) the controller applies live. */
    private static final Map<String, Object> LIVE_CHANGES = Map.ofEntries(
            Map.entry("config.cronExpression", "@hourly"), Map.entry("config.podPoolSize", 3), Map.entry("config.reportHistory", 5),
            Map.entry("config.jobTimeout", "5m"), Map.entry("config.jobRetries", 2), Map.entry("config.jobRetryDelay", "1m"),
            Map.entry("config.concurrencyPolicy", "Forbid"), Map.entry("config.suspend", true),
            Map.entry("config.jobNodeSelector.disk", "ssd"), Map.entry("config.metrics.gauges.other.help", "another gauge"),
            Map.entry("config.jobServiceAccount", "scanner"), Map.entry("config.runOnUnscheduledNodes", true),
            Map.entry("config.custom.level", "high"), Map.entry("config.cronTimeZone", "Europe/Zurich"),
            Map.entry("jobPod.image", "busybox:1.36"), Map.entry("jobPod.script", "echo other"),
            Map.entry("deployment.cronExpression", "@daily"), Map.entry("deployment.podPoolSize", 4));

    private static String checksum(Map<String, Object> set) {
        return HelmChart.deployment(HelmChart.render(set)).getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/config");
    }

    @Test
    void thePodRollsOnlyForConfigTheControllerCannotApplyLive() {
        Set<String> covered = new java.util.HashSet<>(RESTART_CHANGES.keySet());
        covered.addAll(NEXT_START_ONLY.keySet());
        assertThat(covered).as("every restart-only key of ConfigReload has a case here (and in the chart's bjc.restartChecksum)")
                .isEqualTo(ConfigReload.RESTART_KEYS.keySet());
        String base = checksum(Map.of());

        Map<String, String> rolled = new HashMap<>();
        RESTART_CHANGES.forEach((key, value) -> rolled.put(key, checksum(Map.of("config." + key, value))));
        assertThat(rolled).allSatisfy((key, sum) -> assertThat(sum).as(key + " rolls the pod").isNotEqualTo(base));
        Map<String, String> kept = new HashMap<>();
        LIVE_CHANGES.forEach((key, value) -> kept.put(key, checksum(Map.of(key, value))));
        NEXT_START_ONLY.forEach((key, value) -> kept.put(key, checksum(Map.of("config." + key, value))));
        assertThat(kept).allSatisfy((key, sum) -> assertThat(sum).as(key + " is applied live").isEqualTo(base));
        // and the ConfigMap did change for them
        assertThat(HelmChart.controllerConfigMap(HelmChart.render(Map.of("config.podPoolSize", 3))).getData().get("config.yaml"))
                .contains("podPoolSize: 3");
    }

    @Test
    void theChartsAppVersionIsTheProjectVersion() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("..", "pom.xml").toFile());
        String version = pom.getDocumentElement().getElementsByTagName("version").item(0).getTextContent();
        Map<String, Object> chart = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readValue(HelmChart.DIR.resolve("Chart.yaml").toFile(), Map.class);

        assertThat(chart).containsEntry("apiVersion", "v2").containsEntry("appVersion", version).containsEntry("version", version);
        assertThat(HelmChart.deployment(HelmChart.render(Map.of())).getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("batch-job-controller:" + version);
    }

    @Test
    void theReadmesValuesTableIsTheOneTheChartMakes() throws Exception {
        String expected = io.batchjob.app.helm.ValuesTable.markdown();
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "helm-values-table.md"), expected);
        String readme = Files.readString(Path.of("..", "docs", "helm.md"));
        String start = "<!-- helm-values-table:start -->\n";
        String end = "<!-- helm-values-table:end -->";

        assertThat(readme).contains(start, end);
        assertThat(readme.substring(readme.indexOf(start) + start.length(), readme.indexOf(end)))
                .as("docs/helm.md's values table vs values.yaml + values.schema.json; the current one is in batch-app/target/helm-values-table.md")
                .isEqualTo(expected);
        assertThat(expected).contains("| `deployment.cronExpression` |", "| `config.metrics.gauges` |", "| `jobPod.template` |");
    }

    @Test
    void theSchemasConfigKeysAreExactlyTheRegisteredOnes() throws Exception {
        JsonNode config = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Path.of("..", "deploy", "helm", "batch-job-controller", "values.schema.json").toFile()).path("properties").path("config");
        java.util.Set<String> schema = new java.util.TreeSet<>();
        config.path("properties").fieldNames().forEachRemaining(schema::add);
        assertThat(schema).as("config.* in values.schema.json vs ConfigKeys").containsExactlyInAnyOrderElementsOf(
                io.batchjob.core.config.ConfigKeys.topLevelNames());
        java.util.Set<String> metrics = new java.util.TreeSet<>();
        config.path("properties").path("metrics").path("properties").fieldNames().forEachRemaining(n -> metrics.add("metrics." + n));
        assertThat(metrics).containsExactlyInAnyOrderElementsOf(io.batchjob.core.config.ConfigKeys.ALL.stream()
                .map(io.batchjob.core.config.ConfigKeys.Key::name).filter(n -> n.startsWith("metrics.")).toList());
    }

}

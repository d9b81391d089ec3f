package io.batchjob.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs everything batch-k8s does against the mock API server, records every request the
 * controller's client sent (set-up and kubelet clients are tagged and left out), and checks
 * deploy/rbac.yaml both ways: each call is allowed, and each rule is used.
 */
@EnableKubernetesMockClient(crud = true)
class RbacCoverageIT {

    private static final Pattern PATH = Pattern.compile(
            "/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/[^/]+)?/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(\\?.*)?");

    KubernetesClient client;
    KubernetesMockServer server;

    @TempDir
    Path reports;

    private KubernetesClient tagged(String who) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withCustomHeaders(Map.of("X-Test-Client", who)).build()).build();
    }

    @Test
    void theRbacManifestAllowsExactlyTheCallsTheModuleMakes() throws Exception {
        KubernetesClient setup = tagged("setup");
        setup.nodes().resource(new NodeBuilder().withNewMetadata().withName("worker-1").endMetadata().withNewStatus().addNewCondition()
                .withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        setup.configMaps().inNamespace("jobs").resource(new ConfigMapBuilder().withNewMetadata().withName("cm").endMetadata()
                .withData(Map.of("config.yaml", "name: scan\nsavePodLog: true", "pod-template.yaml", JobPodFactoryTest.TEMPLATE)).build()).create();
        setup.services().inNamespace("jobs").resource(new ServiceBuilder().withNewMetadata().withName("scan").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.1").endSpec().build()).create();
        setup.apps().deployments().inNamespace("jobs").resource(new DeploymentBuilder().withNewMetadata().withName("scan").endMetadata().build()).create();
        setup.apps().replicaSets().inNamespace("jobs").resource(new ReplicaSetBuilder().withNewMetadata().withName("scan-1")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName("scan").withUid("u").endOwnerReference()
                .endMetadata().build()).create();
        setup.pods().inNamespace("jobs").resource(new PodBuilder().withNewMetadata().withName("scan-1-abc").addNewOwnerReference()
                .withApiVersion("apps/v1").withKind("ReplicaSet").withName("scan-1").withUid("u").endOwnerReference().endMetadata().build()).create();
        for (String container : List.of("prepare", "job", "sidecar")) {
            server.expect().get().withPath("/api/v1/namespaces/jobs/pods/" + PodNames.of("scan", "worker-1", "100") + "/log?pretty=false&container=" + container)
                    .andReturn(200, "log").always();
        }
        while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
            // forget the set-up traffic recorded so far
        }

        // Everything the module does, through the controller's own client.
        LoadedConfig loaded = ConfigMapConfigSource.load(client, "jobs", "cm");
        new KubernetesNodeSource(client, Map.of(), false).listNodes();
        CallbackHost.resolve(client, "jobs", null, "scan");
        var owner = OwnerLookup.topLevelOwner(client, "jobs", "scan-1-abc").orElseThrow();
        List<JobEnd> ends = new CopyOnWriteArrayList<>();
        try (KubernetesJobBackend backend = new KubernetesJobBackend(client, "jobs", "scan",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", owner), Duration.ofSeconds(5), new ReportStore(reports));
             KubernetesClient kubeletClient = tagged("kubelet");
             SimulatedKubelet kubelet = new SimulatedKubelet(kubeletClient, "jobs", p -> SimulatedKubelet.Behaviour.SUCCEED).start()) {
            backend.start(Duration.ofSeconds(60));
            backend.launch(new JobRequest("100", "worker-1", "s", Map.of(), Duration.ofMinutes(1)), ends::add);
            await().until(() -> ends.size() == 1);
            new KubernetesEventPublisher(client, "jobs", "scan", "scan-1-abc", Clock.systemUTC())
                    .publish(new JobEvent("100", "worker-1", false, "Done", "ok", "Reported"));
            backend.existingJobs();
            backend.deleteJobsExcept("200");
            backend.stop("200", "worker-1");
        }
        // The ConfigMap watch, and a run request recorded as handled.
        try (EngineHarness harness = EngineHarness.builder(reports.resolve("engine")).nodes(List.of("a"))
                .backend(InMemoryJobBackend.manual()).build();
             ConfigMapEvents configMapEvents = new ConfigMapEvents(new KubernetesEventPublisher(client, "jobs", "scan", "scan-1-abc",
                     Clock.systemUTC()), "jobs", "cm");
             ConfigMapControl control = new ConfigMapControl(client, "jobs", "cm", harness.engine, configMapEvents);
             ConfigMapWatch watch = ConfigMapWatch.start(client, "jobs", "cm", List.of(control::onConfigMap))) {
            harness.engine.activate();
            await().until(watch::isWatching);
            setup.configMaps().inNamespace("jobs").withName("cm").edit(cm -> new ConfigMapBuilder(cm).editMetadata()
                    .addToAnnotations(ConfigMapControl.RUN, "now").endMetadata().build());
            await().until(() -> "now".equals(setup.configMaps().inNamespace("jobs").withName("cm").get().getMetadata().getAnnotations()
                    .get(ConfigMapControl.RUN_HANDLED)));
        }
        // The handover record for a new leader with a volume of its own: created, replaced, finished, read.
        ConfigMapHandover handover = new ConfigMapHandover(client, "jobs", "batch-job-controller", owner, new ReportStore(reports).json());
        handover.started(new io.batchjob.core.execution.ExecutionPlan("100", "test", java.time.Instant.EPOCH, List.of("worker-1")));
        handover.started(new io.batchjob.core.execution.ExecutionPlan("200", "test", java.time.Instant.EPOCH, List.of("worker-1")));
        handover.finished("200");
        assertThat(handover.unfinished()).isEmpty();
        // Leader election: acquire, renew, release.
        java.util.concurrent.atomic.AtomicBoolean led = new java.util.concurrent.atomic.AtomicBoolean();
        try (Leadership election = new LeaderElection(client, "jobs", loaded.config().leaseName(), "scan-1-abc", Duration.ofSeconds(2),
                Duration.ofMillis(1500), Duration.ofMillis(100), () -> led.set(true), () -> { })) {
            election.start();
            await().until(led::get);
            await().until(() -> {
                var lease = setup.leases().inNamespace("jobs").withName("scan-leader-election").get();
                return lease != null && lease.getSpec().getRenewTime() != null && !lease.getSpec().getRenewTime().equals(lease.getSpec().getAcquireTime());
            });
        }

        Set<String> calls = new TreeSet<>();
        for (RecordedRequest r; (r = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) {
            if (r.getHeader("X-Test-Client") != null) {
                continue;
            }
            calls.add(permission(r.getMethod(), r.getPath()));
        }
        Set<String> allowed = allowedByManifest(Path.of("..", "deploy", "rbac.yaml"));

        assertThat(calls).as("calls the module made").isNotEmpty();
        assertThat(allowed).as("every call must be allowed by deploy/rbac.yaml").containsAll(calls);
        assertThat(calls).as("every rule of deploy/rbac.yaml must be needed")
                .containsAll(allowed.stream().filter(p -> !p.startsWith("apps/deployments") && !p.startsWith("/replicationcontrollers")
                        && !p.startsWith("apps.openshift.io/")).toList());
        client.close();
        setup.close();
    }

    /** "group/resource[/sub]:verb", e.g. "/pods:create", "events.k8s.io/events:create". */
    static String permission(String method, String path) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            throw new AssertionError("unexpected request path " + path);
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String resource = m.group(2);
        String name = m.group(3);
        String sub = m.group(4);
        String query = m.group(5) == null ? "" : m.group(5);
        String verb = switch (method) {
            case "GET" -> query.contains("watch=true") ? "watch" : name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> method.toLowerCase();
        };
        return group + "/" + resource + (sub == null ? "" : "/" + sub) + ":" + verb;
    }

    static Set<String> allowedByManifest(Path file) throws Exception {
        Set<String> allowed = new TreeSet<>();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (var parser = yaml.getFactory().createParser(Files.readString(file))) {
            for (var it = yaml.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                String kind = doc.path("kind").asText();
                if (!kind.equals("Role") && !kind.equals("ClusterRole")) {
                    continue;
                }
                for (JsonNode rule : doc.path("rules")) {
                    for (JsonNode g : rule.path("apiGroups")) {
                        for (JsonNode r : rule.path("resources")) {
                            for (JsonNode v : rule.path("verbs")) {
                                allowed.add(g.asText() + "/" + r.asText() + ":" + v.asText());
                            }
                        }
                    }
                }
            }
        }
        return allowed;
    }
}

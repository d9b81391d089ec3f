package io.batchjob.k8s;

import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobEventPublisher;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Config, nodes, events, owner and callback host against fabric8's CRUD mock API server. */
@EnableKubernetesMockClient(crud = true)
class ClusterObjectsTest {

    KubernetesClient client;
    KubernetesMockServer server;

    private void configMap(Map<String, String> data) {
        client.configMaps().inNamespace("jobs").resource(new ConfigMapBuilder().withNewMetadata().withName("batch-config").endMetadata()
                .withData(data).build()).create();
    }

    @Test
    void readsTheConfigMap() {
        configMap(Map.of("config.yaml", "name: scan\npodPoolSize: 3", "pod-template.yaml", JobPodFactoryTest.TEMPLATE));

        LoadedConfig loaded = ConfigMapConfigSource.load(client, "jobs", "batch-config");

        assertThat(loaded.config().name()).isEqualTo("scan");
        assertThat(loaded.config().podPoolSize()).isEqualTo(3);
    }

    @Test
    void namesTheConfigMapAndTheKeyInEveryError() {
        assertThatThrownBy(() -> ConfigMapConfigSource.load(client, "jobs", "batch-config")).isInstanceOf(ConfigException.class)
                .hasMessage("invalid configuration in ConfigMap 'jobs/batch-config': it does not exist; create it with the keys config.yaml and pod-template.yaml (see deploy/)");
        configMap(Map.of("config.yaml", "name: scan"));
        assertThatThrownBy(() -> ConfigMapConfigSource.load(client, "jobs", "batch-config"))
                .hasMessage("invalid configuration in ConfigMap 'jobs/batch-config': it has no key 'pod-template.yaml' (keys present: [config.yaml])");
        client.configMaps().inNamespace("jobs").withName("batch-config").delete();
        configMap(Map.of("config.yaml", "name: scan\npodPoolSize: 0", "pod-template.yaml", JobPodFactoryTest.TEMPLATE));
        assertThatThrownBy(() -> ConfigMapConfigSource.load(client, "jobs", "batch-config"))
                .hasMessageContaining("ConfigMap 'jobs/batch-config' key config.yaml").hasMessageContaining("key 'podPoolSize': value 0");
        client.configMaps().inNamespace("jobs").withName("batch-config").delete();
        configMap(Map.of("config.yaml", "name: scan", "pod-template.yaml", JobPodFactoryTest.TEMPLATE.replace("{{.Namespace}}", "{{.Foo}}")));
        assertThatThrownBy(() -> ConfigMapConfigSource.load(client, "jobs", "batch-config"))
                .hasMessageContaining("ConfigMap 'jobs/batch-config' key pod-template.yaml").hasMessageContaining("unknown placeholder '{{.Foo}}'");
    }

    private void node(String name, boolean ready, boolean cordoned, Map<String, String> labels) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withUnschedulable(cordoned ? true : null).endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus()
                .build()).create();
    }

    @Test
    void listsReadySelectedNodesAndCordonedOnesOnlyWhenAsked() {
        List<String> expected = new ArrayList<>();
        List<String> cordonedReady = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String name = String.format("node-%02d", i);
            boolean ready = i % 7 != 3;
            boolean cordoned = i % 11 == 5;
            boolean selected = i % 5 != 4;
            node(name, ready, cordoned, selected ? Map.of("role", "worker") : Map.of("role", "infra"));
            if (ready && selected) {
                (cordoned ? cordonedReady : expected).add(name);
            }
        }

        List<String> nodes = new KubernetesNodeSource(client, Map.of("role", "worker"), false).listNodes();
        List<String> withCordoned = new KubernetesNodeSource(client, Map.of("role", "worker"), true).listNodes();

        assertThat(nodes).containsExactlyElementsOf(expected);
        List<String> all = new ArrayList<>(expected);
        all.addAll(cordonedReady);
        assertThat(withCordoned).containsExactlyInAnyOrderElementsOf(all).isSorted();
        assertThat(new KubernetesNodeSource(client, Map.of(), false).listNodes()).hasSizeGreaterThan(nodes.size());
    }

    @Test
    void createsEventsAboutTheJobPodWithAnAction() throws Exception {
        String uid = client.pods().inNamespace("jobs").resource(new PodBuilder().withNewMetadata().withName("scan-job-worker-1-1")
                .endMetadata().build()).create().getMetadata().getUid();
        KubernetesEventPublisher publisher = new KubernetesEventPublisher(client, "jobs", "scan", "scan-7d9f",
                Clock.fixed(Instant.parse("2026-11-27T08:00:00Z"), ZoneOffset.UTC));

        publisher.publish(new JobEvent("1", "worker-1", true, "DiskFull", "disk is 99% full", "Checked"));

        List<Event> events = client.resources(Event.class).inNamespace("jobs").list().getItems();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo("DiskFull");
            assertThat(e.getNote()).isEqualTo("disk is 99% full");
            assertThat(e.getAction()).isEqualTo("Checked");
            assertThat(e.getRegarding().getKind()).isEqualTo("Pod");
            assertThat(e.getRegarding().getName()).isEqualTo("scan-job-worker-1-1");
            assertThat(e.getRegarding().getUid()).isNotBlank().isEqualTo(uid);
            assertThat(e.getRelated()).as("related is the job pod too, as the Go controller's recorder sets it").isEqualTo(e.getRegarding());
            assertThat(e.getReportingController()).isEqualTo("scan");
            assertThat(e.getReportingInstance()).as("<name>-<HOSTNAME>, as in Go").isEqualTo("scan-scan-7d9f");
            assertThat(e.getEventTime().getTime()).isEqualTo("2026-11-27T08:00:00.000000Z");
        });
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', textBlock = """
            short ASCII stays                 | a                       | 1    | 1
            1024 ASCII bytes stay             | a                       | 1024 | 1024
            1025 ASCII bytes are cut          | a                       | 1025 | 1024
            three-byte characters             | €                       | 1024 | 1023
            two-byte characters               | é                       | 600  | 1023
            four-byte (surrogate pairs)       | 😀                      | 300  | 1021
            """)
    void theEventNoteIsCutToTheApisLimitInBytesOnACharacterBoundary(String what, String unit, int times, int expectedBytes) {
        String text = unit.repeat(times);
        String note = KubernetesEventPublisher.truncateUtf8(text, 1024);
        byte[] bytes = note.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(bytes.length).isLessThanOrEqualTo(1024).isGreaterThanOrEqualTo(expectedBytes - 3);
        assertThat(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(note); // no broken character
        if (text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 1024) {
            assertThat(note).endsWith("...");
            assertThat(text).startsWith(note.substring(0, note.length() - 3));
        } else {
            assertThat(note).isEqualTo(text);
        }
    }

    @Test
    void ownersAreReadWithoutDiscoveryAtTheirGroupVersionAndPlural() {
        var dc = OwnerLookup.context(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder().withApiVersion("apps.openshift.io/v1")
                .withKind("DeploymentConfig").withName("x").build());
        assertThat(List.of(dc.getGroup(), dc.getVersion(), dc.getPlural(), dc.isNamespaceScoped()))
                .containsExactly("apps.openshift.io", "v1", "deploymentconfigs", true);
        var rc = OwnerLookup.context(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder().withApiVersion("v1")
                .withKind("ReplicationController").withName("x").build());
        assertThat(List.of(rc.getGroup(), rc.getVersion(), rc.getPlural())).containsExactly("", "v1", "replicationcontrollers");
    }

    @Test
    void aSkippedOrFailedTriggerIsAnEventOnTheControllersConfigMap() {
        String uid = client.configMaps().inNamespace("jobs").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("scan-config").endMetadata().build()).create().getMetadata().getUid();
        try (ConfigMapEvents events = new ConfigMapEvents(new KubernetesEventPublisher(client, "jobs", "scan", "scan-7d9f", Clock.systemUTC()),
                "jobs", "scan-config")) {
            events.onTriggerSkipped("schedule", "execution 20261127080000 is still running (concurrencyPolicy: Forbid)");
            events.onTriggerFailed("manual", "cannot list nodes: 503");
            org.awaitility.Awaitility.await().until(() -> client.resources(Event.class).inNamespace("jobs").list().getItems().size() == 2);
        }
        List<Event> events = client.resources(Event.class).inNamespace("jobs").list().getItems();
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getRegarding().getKind()).isEqualTo("ConfigMap");
            assertThat(e.getRegarding().getName()).isEqualTo("scan-config");
            assertThat(e.getRegarding().getUid()).as("kubectl describe selects Events on it").isEqualTo(uid);
            assertThat(e.getRelated()).isNull();
            assertThat(e.getReportingController()).isEqualTo("scan");
            assertThat(e.getAction()).isEqualTo("Trigger");
        });
        assertThat(events).extracting(Event::getReason, Event::getType, Event::getNote).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("TriggerSkipped", "Normal",
                        "trigger (schedule) skipped: execution 20261127080000 is still running (concurrencyPolicy: Forbid)"),
                org.assertj.core.groups.Tuple.tuple("TriggerFailed", "Warning", "trigger (manual) failed: cannot list nodes: 503"));
    }

    @Test
    void becomingLeaderOwnsTheLeaseByTheDeploymentAndIsALeaderElectionEventOnItAsClientGoRecordsIt() {
        String uid = client.leases().inNamespace("jobs").resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                .withNewMetadata().withName("scan-leader-election").endMetadata().build()).create().getMetadata().getUid();
        io.fabric8.kubernetes.api.model.OwnerReference deployment = new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                .withApiVersion("apps/v1").withKind("Deployment").withName("scan").withUid("d-1").withController(true).build();
        try (ConfigMapEvents events = new ConfigMapEvents(new KubernetesEventPublisher(client, "jobs", "scan", "scan-7d9f", Clock.systemUTC()),
                "jobs", "scan-config")) {
            events.leadershipAcquired("scan-leader-election", "scan-7d9f", deployment);
            events.leadershipAcquired("scan-leader-election", "scan-7d9f", deployment); // a second term adds no second owner
            org.awaitility.Awaitility.await().until(() -> client.resources(Event.class).inNamespace("jobs").list().getItems().size() == 2);
        }
        assertThat(client.leases().inNamespace("jobs").withName("scan-leader-election").get().getMetadata().getOwnerReferences())
                .singleElement().satisfies(o -> {
                    assertThat(o.getKind() + "/" + o.getName() + "/" + o.getUid()).isEqualTo("Deployment/scan/d-1");
                    assertThat(o.getController()).as("the Lease is not the Deployment's to control").isFalse();
                });
        assertThat(client.resources(Event.class).inNamespace("jobs").list().getItems()).hasSize(2).allSatisfy(e -> {
            assertThat(e.getType()).isEqualTo("Normal");
            assertThat(e.getReason()).isEqualTo("LeaderElection");
            assertThat(e.getNote()).isEqualTo("scan-7d9f became leader");
            assertThat(e.getRegarding().getApiVersion()).isEqualTo("coordination.k8s.io/v1");
            assertThat(e.getRegarding().getKind()).isEqualTo("Lease");
            assertThat(e.getRegarding().getName()).isEqualTo("scan-leader-election");
            assertThat(e.getRegarding().getUid()).isEqualTo(uid);
            assertThat(e.getReportingInstance()).isEqualTo("scan-scan-7d9f");
        });
    }

    @Test
    void controlAndBidiCharactersInANoteAreEscapedNotStored() throws Exception {
        assertThat(KubernetesEventPublisher.printable("plain text, ünïcödé 😀")).isEqualTo("plain text, ünïcödé 😀");
        assertThat(KubernetesEventPublisher.printable("run 'a\u202Efdp.exe'\nWarning Forged: line\u0007\t\u2066x\u2069\r\u0085"))
                .isEqualTo("run 'a\\u202Efdp.exe'\\nWarning Forged: line\\u0007\\t\\u2066x\\u2069\\r\\u0085");
        client.pods().inNamespace("jobs").resource(new PodBuilder().withNewMetadata().withName("scan-job-worker-2-1").endMetadata().build()).create();
        new KubernetesEventPublisher(client, "jobs", "scan", "x", Clock.systemUTC())
                .publish(new JobEvent("1", "worker-2", false, "Checked", "ok\nType Reason Forged\u202E", "n/a"));
        assertThat(client.resources(Event.class).inNamespace("jobs").list().getItems()).singleElement()
                .satisfies(e -> assertThat(e.getNote()).isEqualTo("ok\\nType Reason Forged\\u202E"));
    }

    @Test
    void theReportingInstanceIsNameDashHostnameWithinTheApisLimit() {
        assertThat(KubernetesEventPublisher.reportingInstance("scan", "scan-7d9f-x2")).isEqualTo("scan-scan-7d9f-x2");
        assertThat(KubernetesEventPublisher.reportingInstance("scan", "")).isEqualTo("scan");
        assertThat(KubernetesEventPublisher.reportingInstance("s".repeat(63), "h".repeat(253))).hasSize(128);
    }

    @Test
    void anEventTheApiRefusesBecomesACheckedFailure() {
        server.expect().post().withPath("/apis/events.k8s.io/v1/namespaces/jobs/events").andReturn(403,
                new io.fabric8.kubernetes.api.model.StatusBuilder().withMessage("events is forbidden").withCode(403).build()).always();
        KubernetesEventPublisher publisher = new KubernetesEventPublisher(client, "jobs", "scan", "x", Clock.systemUTC());

        assertThatThrownBy(() -> publisher.publish(new JobEvent("1", "n", false, "R", "m", "Reported")))
                .isInstanceOf(JobEventPublisher.JobEventException.class)
                .hasMessageContaining("the API server refused the event (403)");
    }

    @Test
    void findsTheTopLevelOwnerThroughTheReplicaSet() {
        client.apps().deployments().inNamespace("jobs").resource(new DeploymentBuilder().withNewMetadata().withName("scan").withUid("d-uid")
                .endMetadata().build()).create();
        client.apps().replicaSets().inNamespace("jobs").resource(new ReplicaSetBuilder().withNewMetadata().withName("scan-7d9f").withUid("rs-uid")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName("scan").withUid("d-uid").withController(true)
                .endOwnerReference().endMetadata().build()).create();
        client.pods().inNamespace("jobs").resource(new PodBuilder().withNewMetadata().withName("scan-7d9f-abcde")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet").withName("scan-7d9f").withUid("rs-uid").withController(true)
                .endOwnerReference().endMetadata().build()).create();

        OwnerReference owner = OwnerLookup.topLevelOwner(client, "jobs", "scan-7d9f-abcde").orElseThrow();

        assertThat(owner.getKind()).isEqualTo("Deployment");
        assertThat(owner.getName()).isEqualTo("scan");
        assertThat(owner.getUid()).isEqualTo("d-uid");
        assertThat(OwnerLookup.topLevelOwner(client, "jobs", "not-there")).isEmpty();
        assertThat(OwnerLookup.topLevelOwner(client, "jobs", "")).isEmpty();
    }

    @Test
    void theCallbackHostIsThePodIpOrTheServicesClusterIp() {
        client.services().inNamespace("jobs").resource(new ServiceBuilder().withNewMetadata().withName("scan").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.15").endSpec().build()).create();
        client.services().inNamespace("jobs").resource(new ServiceBuilder().withNewMetadata().withName("headless").endMetadata()
                .withNewSpec().withClusterIP("None").endSpec().build()).create();

        assertThat(CallbackHost.resolve(client, "jobs", "10.1.2.3", "scan")).isEqualTo("10.1.2.3");
        assertThat(CallbackHost.resolve(client, "jobs", "fd00::5", "")).isEqualTo("fd00::5");
        assertThat(CallbackHost.resolve(client, "jobs", null, "scan")).isEqualTo("10.96.0.15");
        assertThatThrownBy(() -> CallbackHost.resolve(client, "jobs", null, "headless")).hasMessageContaining("has no ClusterIP");
        assertThatThrownBy(() -> CallbackHost.resolve(client, "jobs", null, "missing")).hasMessageContaining("'jobs/missing' (callbackServiceName) does not exist");
        assertThatThrownBy(() -> CallbackHost.resolve(client, "jobs", "", "")).hasMessageContaining("set POD_IP");
    }
}

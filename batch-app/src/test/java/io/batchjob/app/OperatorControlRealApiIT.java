package io.batchjob.app;

import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.report.ReportStore;
import io.batchjob.k8s.ConfigMapControl;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Operator control against the real API server, with two controllers sharing the report
 * directory: a run value handled once across a leader change, a re-run taken with a JSON patch
 * on the version seen, an invalid and a valid config change, and the status API of the new
 * leader. The ConfigMap's annotations are changed as {@code kubectl annotate} changes them.
 */
@RealApi
class OperatorControlRealApiIT {

    RealApiCluster cluster;

    @TempDir
    Path reports;

    private static final String TEMPLATE = "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: job, image: busybox}]}\n";

    private String config(String extra) {
        return """
                name: control
                cronExpression: "@every 2s"
                suspend: true
                podPoolSize: 2
                jobNodeSelector: {%s: %s}
                """.formatted(RealApiCluster.NODE_LABEL, cluster.namespace()) + extra;
    }

    private void annotate(String key, String value) {
        cluster.admin().configMaps().withName("control").edit(cm -> new ConfigMapBuilder(cm).editMetadata().addToAnnotations(key, value)
                .endMetadata().build());
    }

    private Map<String, String> annotations() {
        Map<String, String> a = cluster.admin().configMaps().withName("control").get().getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    private List<String> events() {
        return cluster.admin().resources(Event.class).list().getItems().stream().filter(e -> "ConfigMap".equals(e.getRegarding().getKind()))
                .map(e -> e.getType() + " " + e.getReason() + ": " + e.getNote()).toList();
    }

    private Controller start(String hostname) {
        ControllerEnvironment env = ControllerEnvironment.from(Map.of("NAMESPACE", cluster.namespace(), "CONFIG_MAP_NAME", "control",
                "POD_IP", "127.0.0.1", "HOSTNAME", hostname, "REPORT_DIRECTORY", reports.toString()));
        return Controller.start(env, cluster.admin(), Listen.loopbackAnyPort(), Clock.systemUTC());
    }

    @Test
    void requestsAreHandledOnceAcrossALeaderChangeAndConfigChangesApplyLive() throws Exception {
        KubernetesClient admin = cluster.admin();
        String prefix = "ctl-" + cluster.namespace();
        cluster.createNode(prefix + "-a", true, false, Map.of(), 0);
        cluster.createNode(prefix + "-b", true, false, Map.of(), 0);
        admin.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("control").endMetadata()
                .withData(Map.of("config.yaml", config(""), "pod-template.yaml", TEMPLATE)).build()).create();
        ReportStore store = new ReportStore(reports);
        // One node's job fails, the other's ends without a report: neither succeeds.
        try (SimulatedKubelet kubelet = new SimulatedKubelet(admin, cluster.namespace(), p -> p.getSpec().getNodeName().endsWith("-a")
                ? SimulatedKubelet.Behaviour.FAIL : SimulatedKubelet.Behaviour.SUCCEED).start()) {
            Controller b = null;
            String first;
            try (Controller a = start("controller-a")) { // closing it releases the Lease: b leads
                await().atMost(Duration.ofSeconds(30)).until(a::isLeader);
                b = start("controller-b");
                annotate(ConfigMapControl.RUN, "v1");
                await().atMost(Duration.ofSeconds(30)).until(() -> store.executionIds().size() == 1);
                first = store.executionIds().get(0);
                await().atMost(Duration.ofSeconds(30)).until(() -> store.hasFile(first, ExecutionEngine.SUMMARY_FILE));
                await().until(() -> "v1".equals(annotations().get(ConfigMapControl.RUN_HANDLED)));
                assertThat(b.isLeader()).isFalse();
            } catch (RuntimeException | Error e) {
                if (b != null) {
                    b.close();
                }
                throw e;
            }
            Controller follower = b;
            try (follower) {
                await().atMost(Duration.ofSeconds(30)).until(follower::isLeader);
                // v1 was handled by a: b does not run it again (suspended: no scheduled run either).
                await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> store.executionIds().size() == 1);

                annotate(ConfigMapControl.RERUN, "latest");
                await().atMost(Duration.ofSeconds(30)).until(() -> store.executionIds().size() == 2);
                String rerun = store.executionIds().get(1);
                ExecutionPlan plan = store.readJson(rerun, ExecutionEngine.PLAN_FILE, ExecutionPlan.class).orElseThrow();
                assertThat(plan.cause()).isEqualTo("rerun:" + first);
                assertThat(plan.nodes()).containsExactly(prefix + "-a", prefix + "-b");
                await().until(() -> !annotations().containsKey(ConfigMapControl.RERUN));
                assertThat(annotations()).containsEntry(ConfigMapControl.RERUN_HANDLED, "latest");
                await().atMost(Duration.ofSeconds(30)).until(() -> store.hasFile(rerun, ExecutionEngine.SUMMARY_FILE));

                // An invalid change is refused; a valid one applies.
                admin.configMaps().withName("control").edit(cm -> new ConfigMapBuilder(cm)
                        .addToData("config.yaml", config("reportHistory: many\n")).build());
                await().atMost(Duration.ofSeconds(20)).until(() -> events().stream().anyMatch(e -> e.startsWith("Warning ConfigRefused")
                        && e.contains("reportHistory")));
                assertThat(follower.config().reportHistory()).isEqualTo(30);
                admin.configMaps().withName("control").edit(cm -> new ConfigMapBuilder(cm)
                        .addToData("config.yaml", config("reportHistory: 7\n")).build());
                await().atMost(Duration.ofSeconds(20)).until(() -> follower.config().reportHistory() == 7);
                assertThat(events()).contains("Normal ManualRunAccepted: run 'v1' started execution " + first,
                        "Normal RerunStarted: re-run of 'latest' started execution " + rerun,
                        "Normal ConfigApplied: the changed config applies from the next trigger: reportHistory");

                // The new leader's status API.
                String list = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + follower.reportPort()
                        + "/api/executions")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(list.indexOf(rerun)).isLessThan(list.indexOf(first)).isPositive();
                assertThat(list).contains("\"FAILED\" : 1", "\"NO_REPORT\" : 1");
            }
            assertThat(kubelet.peakRunning()).isLessThanOrEqualTo(2);
        }
    }
}

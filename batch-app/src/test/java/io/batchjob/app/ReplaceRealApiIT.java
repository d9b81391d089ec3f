package io.batchjob.app;

import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code concurrencyPolicy: Replace} (the default) on the real API server with the numbers the
 * side-by-side run with the Go controller used, scaled in time: 20 nodes, pool 5, an execution
 * (four waves of jobs) longer than the schedule's interval. Before, each tick replaced the
 * execution while 10 of its jobs still waited for a slot, so nodes 10–19 never ran in any
 * execution; now a tick while jobs wait is skipped ("still launching"), and every node runs within
 * two intervals.
 */
@RealApi
class ReplaceRealApiIT {

    private static final int NODES = 20;
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    RealApiCluster cluster;

    @TempDir
    Path reports;

    /** Each job runs 4 s (0.4 of the interval, as Go's 40 s jobs against a 1-minute cron) and reports like curl -f. */
    private static final String TEMPLATE = """
            apiVersion: v1
            kind: Pod
            metadata:
              labels: {app: replace}
            spec:
              containers:
                - name: job
                  image: curlimages/curl:8.10.1
                  command: [sh, -c]
                  args:
                    - |
                      sleep 4
                      curl -sS -f -X POST -H 'Content-Type: application/json' --data-binary '{"m":[{"value":1}]}' "$CALLBACK_SERVICE_RESULT_URL"
            """;

    @Test
    void aTickWhileJobsStillWaitForASlotIsSkippedAndEveryNodeRunsWithinTwoIntervals() throws Exception {
        KubernetesClient admin = cluster.admin();
        String prefix = "rpl-" + cluster.namespace();
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            String node = prefix + "-" + (char) ('a' + i);
            cluster.createNode(node, true, false, Map.of(), 0);
            nodes.add(node);
        }
        admin.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("replace").endMetadata()
                .withData(Map.of("config.yaml", """
                        name: replace
                        cronExpression: "@every %ds"
                        runOnStartup: true
                        startupDelay: 0s
                        podPoolSize: 5
                        jobNodeSelector: {%s: %s}
                        metrics: {gauges: {m: {help: m}}}
                        """.formatted(INTERVAL.toSeconds(), RealApiCluster.NODE_LABEL, cluster.namespace()),
                        "pod-template.yaml", TEMPLATE)).build()).create();
        ReportStore store = new ReportStore(reports);
        ControllerEnvironment env = ControllerEnvironment.from(Map.of("NAMESPACE", cluster.namespace(), "CONFIG_MAP_NAME", "replace",
                "POD_IP", "127.0.0.1", "HOSTNAME", "replace-controller", "REPORT_DIRECTORY", reports.toString()));
        // Every job pod the controller creates: "<execution>/<node>" -> when the API server stored it.
        Map<String, Instant> created = new java.util.concurrent.ConcurrentHashMap<>();
        try (var podWatch = admin.pods().inNamespace(cluster.namespace()).withLabel("app", "replace").inform(
                new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
                    @Override
                    public void onAdd(io.fabric8.kubernetes.api.model.Pod pod) {
                        created.putIfAbsent(pod.getMetadata().getLabels().get("batch-job-controller.bakito.github.com/execution-id") + "/"
                                + pod.getSpec().getNodeName(), Instant.parse(pod.getMetadata().getCreationTimestamp()));
                    }

                    @Override
                    public void onUpdate(io.fabric8.kubernetes.api.model.Pod oldPod, io.fabric8.kubernetes.api.model.Pod newPod) {
                    }

                    @Override
                    public void onDelete(io.fabric8.kubernetes.api.model.Pod pod, boolean deletedFinalStateUnknown) {
                    }
                });
             SimulatedKubelet kubelet = new SimulatedKubelet(admin, cluster.namespace(), pod -> SimulatedKubelet.Behaviour.RUN_COMMAND)
                .onlyLabelled(Map.of("app", "replace")).start();
             Controller controller = Controller.start(env, admin, Listen.loopbackAnyPort(), Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(30)).until(controller::isLeader);
            // Every node succeeds in some execution (the first one, unless the machine is slow and the
            // tick after all its jobs started replaced the last ones: those then go first in the next).
            await().atMost(Duration.ofSeconds(120)).until(() -> succeeded(store).containsAll(nodes));
        }
        String first = store.executionIds().get(0);
        ExecutionSummary summary = store.readJson(first, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class).orElseThrow();
        Instant start = summary.startedAt();

        assertThat(summary.jobs()).extracting(JobSummary::node).containsExactlyInAnyOrderElementsOf(nodes);
        assertThat(summary.jobs()).as("no node of the first execution was replaced before its pod was created")
                .filteredOn(j -> j.outcome() == JobOutcome.REPLACED)
                .allSatisfy(j -> assertThat(created).containsKey(first + "/" + j.node()));
        for (String node : nodes) {
            Instant firstPod = created.entrySet().stream().filter(e -> e.getKey().endsWith("/" + node)).map(Map.Entry::getValue)
                    .min(Instant::compareTo).orElseThrow(() -> new AssertionError("no pod for " + node));
            // creationTimestamp has whole seconds: one second of slack.
            assertThat(Duration.between(start, firstPod)).as("first pod of %s", node)
                    .isLessThanOrEqualTo(INTERVAL.multipliedBy(2).plusSeconds(1));
        }
        assertThat(succeeded(store)).as("every node succeeded").containsExactlyInAnyOrderElementsOf(nodes);
        // The tick while the last jobs waited for a slot was skipped, as a TriggerSkipped Event on the ConfigMap.
        assertThat(admin.resources(Event.class).list().getItems()).filteredOn(e -> "TriggerSkipped".equals(e.getReason()))
                .isNotEmpty()
                .anySatisfy(e -> assertThat(e.getNote()).startsWith("trigger (schedule) skipped: execution " + first + " is still launching: "));
    }

    private static Set<String> succeeded(ReportStore store) {
        Set<String> succeeded = new TreeSet<>();
        for (String id : store.executionIds()) {
            store.readJson(id, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class).ifPresent(s -> s.jobs().stream()
                    .filter(j -> j.outcome() == JobOutcome.SUCCEEDED).forEach(j -> succeeded.add(j.node())));
        }
        return succeeded;
    }
}

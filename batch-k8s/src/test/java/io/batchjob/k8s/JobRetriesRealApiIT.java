package io.batchjob.k8s;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobAttempt;
import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * {@code jobRetries} with the Kubernetes backend on the real API server: each attempt is a pod of its
 * own ({@code -r<attempt>}, annotated), a timed-out attempt's pod is gone before the next exists, the
 * last attempt's outcome is the node's, and an Event from a later attempt is about that attempt's pod.
 */
@RealApi
class JobRetriesRealApiIT {

    RealApiCluster cluster;

    @TempDir
    Path reports;

    @Test
    void eachAttemptIsAPodOfItsOwnAndTheLastAttemptDecides() throws Exception {
        KubernetesClient client = cluster.admin();
        String ns = cluster.namespace(); // its own: a namespace closed by another class stays Terminating
        List<String> nodes = List.of("retry-fails-once", "retry-hangs-once", "retry-silent-once", "retry-always-fails");
        nodes.forEach(n -> cluster.createNode(n, true, false, Map.of(), 0));
        LoadedConfig loaded = ConfigLoader.load("""
                name: retry
                podPoolSize: 4
                jobNodeSelector: {%s: %s}
                jobTimeout: 3s
                jobRetries: 2
                jobRetryDelay: 1s
                """.formatted(RealApiCluster.NODE_LABEL, ns), "kind: Pod\nspec: {containers: [{name: job, image: busybox}]}", "test");
        AtomicReference<ExecutionEngine> engineRef = new AtomicReference<>();
        try (KubernetesJobBackend backend = new KubernetesJobBackend(client, ns, "retry",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), ns, null), Duration.ofSeconds(30), null);
             SimulatedKubelet kubelet = new SimulatedKubelet(client, ns, JobRetriesRealApiIT::behaviour)
                     .onlyLabelled(Map.of(JobLabels.OWNER, "retry"))) {
            kubelet.beforeSuccess(pod -> {
                if (!(pod.getSpec().getNodeName().equals("retry-silent-once") && JobPodStatus.attemptOf(pod) == 1)) {
                    engineRef.get().resultReceived(pod.getMetadata().getLabels().get(JobLabels.EXECUTION_ID), pod.getSpec().getNodeName(),
                            new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of())))));
                }
            }).start();
            backend.start(Duration.ofSeconds(60));
            try (ExecutionEngine engine = ExecutionEngine.builder().config(loaded.config())
                    .nodeSource(new KubernetesNodeSource(client, loaded.config().jobNodeSelector(), false))
                    .backend(backend).reportStore(new ReportStore(reports))
                    .jobEnvironment(new JobEnvironment(ns, new CallbackEndpoint("10.0.0.1", 8090), CallbackAuth.TOKEN, List.of()))
                    .build()) {
                engineRef.set(engine);
                engine.activate();
                TriggerOutcome.Started started = (TriggerOutcome.Started) engine.trigger("test");
                String id = started.executionId();
                ExecutionSummary summary = started.completion().get(90, TimeUnit.SECONDS);

                assertThat(summary.jobs()).extracting(JobSummary::node, JobSummary::outcome, JobSummary::attempts).containsExactlyInAnyOrder(
                        tuple("retry-fails-once", JobOutcome.SUCCEEDED, 2), tuple("retry-hangs-once", JobOutcome.SUCCEEDED, 2),
                        tuple("retry-silent-once", JobOutcome.SUCCEEDED, 2), tuple("retry-always-fails", JobOutcome.FAILED, 3));
                Map<String, List<JobOutcome>> earlier = summary.jobs().stream().collect(Collectors.toMap(JobSummary::node,
                        j -> j.retried().stream().map(JobAttempt::outcome).toList()));
                assertThat(earlier).containsEntry("retry-fails-once", List.of(JobOutcome.FAILED))
                        .containsEntry("retry-hangs-once", List.of(JobOutcome.TIMED_OUT))
                        .containsEntry("retry-silent-once", List.of(JobOutcome.NO_REPORT))
                        .containsEntry("retry-always-fails", List.of(JobOutcome.FAILED, JobOutcome.FAILED));

                Map<String, Pod> pods = client.pods().inNamespace(ns).withLabel(JobLabels.OWNER, "retry").list().getItems().stream()
                        .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
                assertThat(pods.keySet()).as("ended attempts stay, as finished pods do; the timed-out one was deleted").containsExactlyInAnyOrder(
                        PodNames.of("retry", "retry-fails-once", id, 1), PodNames.of("retry", "retry-fails-once", id, 2),
                        PodNames.of("retry", "retry-hangs-once", id, 2),
                        PodNames.of("retry", "retry-silent-once", id, 1), PodNames.of("retry", "retry-silent-once", id, 2),
                        PodNames.of("retry", "retry-always-fails", id, 1), PodNames.of("retry", "retry-always-fails", id, 2),
                        PodNames.of("retry", "retry-always-fails", id, 3));
                assertThat(pods.get(PodNames.of("retry", "retry-always-fails", id, 3)).getMetadata().getAnnotations())
                        .containsEntry(JobLabels.ATTEMPT, "3");
                assertThat(pods.get(PodNames.of("retry", "retry-fails-once", id, 1)).getMetadata().getAnnotations()).doesNotContainKey(JobLabels.ATTEMPT);
                assertThat(JobPodStatus.secretOf(pods.get(PodNames.of("retry", "retry-fails-once", id, 2))))
                        .isNotEqualTo(JobPodStatus.secretOf(pods.get(PodNames.of("retry", "retry-fails-once", id, 1))));
                assertThat(backend.existingJobs()).filteredOn(j -> j.node().equals("retry-always-fails")).extracting(j -> j.attempt())
                        .containsExactlyInAnyOrder(1, 2, 3);

                // An Event from the second attempt is about its own pod.
                new KubernetesEventPublisher(client, ns, "retry", "controller-0", Clock.systemUTC())
                        .publish(new JobEvent(id, "retry-fails-once", false, "Checked", "attempt two", "Check", 2));
                List<Event> events = client.events().v1().events().inNamespace(ns).list().getItems().stream()
                        .filter(e -> "Checked".equals(e.getReason())).toList();
                assertThat(events).extracting(e -> e.getRegarding().getName()).containsExactly(PodNames.of("retry", "retry-fails-once", id, 2));
                assertThat(events.get(0).getRegarding().getUid()).isEqualTo(pods.get(PodNames.of("retry", "retry-fails-once", id, 2))
                        .getMetadata().getUid());
            }
        }
    }

    private static SimulatedKubelet.Behaviour behaviour(Pod pod) {
        int attempt = JobPodStatus.attemptOf(pod);
        return switch (pod.getSpec().getNodeName()) {
            case "retry-fails-once" -> attempt == 1 ? SimulatedKubelet.Behaviour.FAIL : SimulatedKubelet.Behaviour.SUCCEED;
            case "retry-hangs-once" -> attempt == 1 ? SimulatedKubelet.Behaviour.HOLD_RUNNING : SimulatedKubelet.Behaviour.SUCCEED;
            case "retry-always-fails" -> SimulatedKubelet.Behaviour.FAIL;
            default -> SimulatedKubelet.Behaviour.SUCCEED;
        };
    }

}

package io.batchjob.k8s;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.RecordingListener;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two controllers against one API server and one (shared) report directory. */
@EnableKubernetesMockClient(crud = true)
class LeaderHandOverIT {

    KubernetesClient client;

    @TempDir
    Path reports;

    /** One controller: its own client, backend, engine and leader election; triggers when it starts leading. */
    private final class Controller implements AutoCloseable {
        final KubernetesClient own = new KubernetesClientBuilder().withConfig(client.getConfiguration()).build();
        final KubernetesJobBackend backend;
        final ExecutionEngine engine;
        final LeaderElection election;
        final RecordingListener listener = new RecordingListener();

        Controller(String identity, LoadedConfig loaded) {
            backend = new KubernetesJobBackend(own, "jobs", "scan", new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null),
                    Duration.ofSeconds(5), null);
            backend.start(Duration.ofSeconds(10));
            engine = ExecutionEngine.builder().config(loaded.config())
                    .nodeSource(new KubernetesNodeSource(own, Map.of(), false)).backend(backend).reportStore(new ReportStore(reports))
                    .jobEnvironment(new JobEnvironment("jobs", new CallbackEndpoint("10.0.0.1", 8090), CallbackAuth.TOKEN, List.of()))
                    .listener(listener).build();
            election = new LeaderElection(own, "jobs", loaded.config().leaseName(), identity, Duration.ofSeconds(3),
                    Duration.ofSeconds(2), Duration.ofMillis(200), () -> {
                        engine.activate();
                        engine.trigger("startup");
                    }, engine::deactivate);
        }

        @Override
        public void close() {
            election.close();
            engine.close();
            backend.close();
            own.close();
        }
    }

    /** "controller-b": another replica takes over; "controller-a": the same controller restarted. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"controller-b", "controller-a"})
    void onlyTheLeaderDispatchesAndTheNextLeaderFinishesTheExecutionWithoutDuplicates(String successor) throws Exception {
        for (int i = 1; i <= 6; i++) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-" + i).endMetadata().withNewStatus()
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        }
        LoadedConfig loaded = ConfigLoader.load("name: scan\npodPoolSize: 2", JobPodFactoryTest.TEMPLATE, "test");
        AtomicReference<SimulatedKubelet.Behaviour> behaviour = new AtomicReference<>(SimulatedKubelet.Behaviour.HOLD_RUNNING);
        try (SimulatedKubelet kubelet = new SimulatedKubelet(client, "jobs", p -> behaviour.get()).start()) {
            Controller a = new Controller("controller-a", loaded);
            a.election.start();
            await().until(a.election::isLeader);
            await().until(() -> runningPods().size() == 2);
            String executionId = a.listener.starts.get(0).executionId();

            // One job ends under A; A fills its slot.
            kubelet.finish(runningPods().get(0).getMetadata().getName(), 0);
            await().until(() -> pods().size() == 3 && runningPods().size() == 2);

            Controller b = new Controller(successor, loaded);
            try (b) {
                if (!successor.equals("controller-a")) {
                    b.election.start();
                    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !b.election.isLeader());
                    assertThat(b.engine.progress()).isEmpty();
                    assertThat(pods()).hasSize(3);
                }

                // A goes away mid-execution and releases the Lease (no waiting for it to expire); the successor takes over.
                a.close();
                // Released: a 1 s lease renewed at release time; the holder stays (so the real API server stores it too,
                // LeaderElectionRealApiIT).
                assertThat(client.leases().inNamespace("jobs").withName("scan-leader-election").get().getSpec().getLeaseDurationSeconds())
                        .isEqualTo(1);
                b.election.start();
                await().until(b.election::isLeader);
                behaviour.set(SimulatedKubelet.Behaviour.SUCCEED);
                await().until(() -> b.engine.progress().isPresent());
                for (Pod pod : runningPods()) {
                    kubelet.finish(pod.getMetadata().getName(), 0);
                }

                await().atMost(Duration.ofSeconds(30)).until(() -> b.listener.finished.size() == 1);
                ExecutionSummary summary = b.listener.finished.get(0);
                assertThat(summary.executionId()).isEqualTo(executionId);
                assertThat(summary.resumed()).isTrue();
                assertThat(summary.jobs()).extracting(JobSummary::node)
                        .containsExactlyInAnyOrder("node-1", "node-2", "node-3", "node-4", "node-5", "node-6");
                assertThat(summary.jobs()).extracting(JobSummary::outcome).containsOnly(JobOutcome.NO_REPORT);
                // Every node had exactly one pod: no duplicates across the hand-over.
                assertThat(pods()).extracting(p -> p.getSpec().getNodeName()).doesNotHaveDuplicates().hasSize(6);
                assertThat(b.listener.skipped).containsExactly("execution " + executionId + " is still running");
            }
        } finally {
            client.close();
        }
    }

    private List<Pod> pods() {
        return client.pods().inNamespace("jobs").withLabel(JobLabels.OWNER, "scan").list().getItems();
    }

    private List<Pod> runningPods() {
        return pods().stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).toList();
    }
}

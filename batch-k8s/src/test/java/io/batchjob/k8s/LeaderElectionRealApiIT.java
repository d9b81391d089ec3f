package io.batchjob.k8s;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.TcpProxy;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two controllers compete for one real Lease. The leader goes away in the middle of an execution,
 * either cleanly (it releases the Lease) or by losing the network (it cannot renew and the Lease
 * expires), or it is restarted under the same pod name; the other (or the restarted one) takes over
 * within the lease duration and finishes the same execution with no second pod for any node.
 */
@RealApi
class LeaderElectionRealApiIT {

    private static final Duration LEASE = Duration.ofSeconds(4);
    private static final Duration RENEW_DEADLINE = Duration.ofSeconds(3);

    RealApiCluster cluster;

    @TempDir
    Path reports;

    @ParameterizedTest(name = "leader stops {0}")
    @ValueSource(strings = {"releasing the Lease", "without releasing the Lease", "and restarts under the same name"})
    void theOtherControllerTakesOverWithinTheLeaseDurationAndResumesWithoutDuplicatePods(String how) throws Exception {
        boolean restart = how.contains("same name");
        boolean release = how.startsWith("releasing") || restart;
        String name = restart ? "lead-restart" : release ? "lead-release" : "lead-crash";
        String successor = restart ? "controller-a" : "controller-b";
        String pool = name + "-" + cluster.namespace();
        for (int i = 1; i <= 6; i++) {
            cluster.createNode(pool + "-" + i, true, false, Map.of("pool", pool), 0);
        }
        Map<String, String> selector = new HashMap<>(cluster.nodeLabel());
        selector.put("pool", pool);
        LoadedConfig loaded = ConfigLoader.load("name: " + name + "\npodPoolSize: 2\n", JobPodFactoryTest.TEMPLATE, "test");
        KubernetesClient admin = cluster.admin();
        AtomicReference<SimulatedKubelet.Behaviour> behaviour = new AtomicReference<>(SimulatedKubelet.Behaviour.HOLD_RUNNING);
        URI api = URI.create(cluster.server().url());
        try (SimulatedKubelet kubelet = new SimulatedKubelet(admin, cluster.namespace(), p -> behaviour.get())
                     .onlyLabelled(Map.of(JobLabels.OWNER, name)).start();
             TcpProxy aNetwork = new TcpProxy(api.getPort());
             EngineOnCluster a = new EngineOnCluster(cluster.adminClient(c -> c.withMasterUrl("https://127.0.0.1:" + aNetwork.port())
                     .withRequestRetryBackoffLimit(1)), cluster.namespace(), loaded, reports, selector, Duration.ofSeconds(30), null);
             EngineOnCluster b = new EngineOnCluster(cluster.adminClient(c -> c), cluster.namespace(), loaded, reports, selector,
                     Duration.ofSeconds(30), null)) {
            a.elect(cluster.namespace(), loaded.config().leaseName(), "controller-a", LEASE, RENEW_DEADLINE);
            await().atMost(Duration.ofSeconds(20)).until(a::isLeader);
            if (!restart) {
                b.elect(cluster.namespace(), loaded.config().leaseName(), successor, LEASE, RENEW_DEADLINE);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> running(name).size() == 2);
            String executionId = a.listener.starts.get(0).executionId();
            kubelet.finish(running(name).get(0).getMetadata().getName(), 0);
            await().atMost(Duration.ofSeconds(20)).until(() -> pods(name).size() == 3 && running(name).size() == 2);
            assertThat(b.isLeader()).isFalse();
            assertThat(b.engine.progress()).as("the follower dispatches nothing").isEmpty();

            long gone = System.nanoTime();
            if (release) {
                a.resign();
                Lease lease = admin.leases().withName(loaded.config().leaseName()).get();
                // What fabric8's release writes, as the real server stores it: the holder stays, with a 1 s lease.
                assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(1);
            } else {
                aNetwork.cut(); // A can neither renew nor reach anything; its Lease expires
            }
            if (restart) {
                b.elect(cluster.namespace(), loaded.config().leaseName(), successor, LEASE, RENEW_DEADLINE);
            }
            behaviour.set(SimulatedKubelet.Behaviour.SUCCEED);
            await().atMost(LEASE.plusSeconds(6)).until(b::isLeader);
            Duration takeOver = Duration.ofNanos(System.nanoTime() - gone);
            assertThat(takeOver).as("taken over within the lease duration (plus the retry period)")
                    .isLessThan(release ? Duration.ofSeconds(2) : LEASE.plusSeconds(3));
            if (!release) {
                await().atMost(RENEW_DEADLINE.plusSeconds(5)).until(() -> !a.isLeader());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> b.engine.progress().isPresent());
            for (Pod pod : running(name)) {
                kubelet.finish(pod.getMetadata().getName(), 0);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> b.listener.finished.size() == 1);
            ExecutionSummary summary = b.listener.finished.get(0);
            assertThat(summary.executionId()).isEqualTo(executionId);
            assertThat(summary.resumed()).isTrue();
            assertThat(summary.jobs()).extracting(JobSummary::node).containsExactlyInAnyOrder(
                    pool + "-1", pool + "-2", pool + "-3", pool + "-4", pool + "-5", pool + "-6");
            assertThat(summary.jobs()).extracting(JobSummary::outcome).containsOnly(JobOutcome.NO_REPORT);
            assertThat(pods(name)).extracting(p -> p.getSpec().getNodeName()).doesNotHaveDuplicates().hasSize(6);
            assertThat(admin.leases().withName(loaded.config().leaseName()).get().getSpec().getHolderIdentity()).isEqualTo(successor);
            assertThat(a.listener.finished).as("the old leader finished nothing").isEmpty();
        }
    }

    private List<Pod> pods(String name) {
        return cluster.admin().pods().withLabel(JobLabels.OWNER, name).list().getItems();
    }

    private List<Pod> running(String name) {
        return pods(name).stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).toList();
    }
}

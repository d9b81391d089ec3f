package io.batchjob.k8s;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.TcpProxy;
import io.batchjob.testkit.k8s.DedicatedApiServer;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pod watch as a real API server runs it, during an execution: the API server process is
 * restarted (same etcd data), and a watch that was away while etcd compacted gets {@code 410 Gone}.
 * No job end is lost, no pod is created twice, and the execution finishes with the right outcomes.
 *
 * <p>These tests have their own API server (they restart it). Its watch cache is off, so that a
 * watch from a compacted revision reaches etcd and is answered 410, as happens on a busy cluster
 * after a long disconnection; with the cache on, the same happens once the cache's window has passed.
 */
class WatchRealismRealApiIT {

    @RegisterExtension
    static final DedicatedApiServer API = DedicatedApiServer.named("watch-realism", "--watch-cache=false");

    @TempDir
    Path reports;

    private Map<String, String> nodes(String pool, int count) {
        for (int i = 1; i <= count; i++) {
            API.cluster().createNode(pool + "-" + i, true, false, Map.of("pool", pool), 0);
        }
        Map<String, String> selector = new HashMap<>(API.cluster().nodeLabel());
        selector.put("pool", pool);
        return selector;
    }

    @Test
    void anApiServerRestartDuringAnExecutionLosesNoJobEndAndCreatesNoPodTwice() throws Exception {
        Map<String, String> selector = nodes("restart", 6);
        LoadedConfig loaded = ConfigLoader.load("name: restart\npodPoolSize: 2\n", JobPodFactoryTest.TEMPLATE, "test");
        AtomicReference<SimulatedKubelet.Behaviour> behaviour = new AtomicReference<>(SimulatedKubelet.Behaviour.HOLD_RUNNING);
        try (EngineOnCluster controller = new EngineOnCluster(API.cluster().adminClient(c -> c), API.cluster().namespace(), loaded, reports,
                selector, Duration.ofSeconds(30), null)) {
            controller.engine.activate();
            TriggerOutcome.Started started;
            try (SimulatedKubelet kubelet = new SimulatedKubelet(API.cluster().admin(), API.cluster().namespace(), p -> behaviourOf(p, behaviour.get()))
                    .onlyLabelled(Map.of(JobLabels.OWNER, "restart")).start()) {
                started = (TriggerOutcome.Started) controller.engine.trigger("manual");
                await().atMost(Duration.ofSeconds(20)).until(() -> running("restart").size() == 2);
            }

            API.server().restart();

            // A new kubelet (the old one's watch died with the server) ends the running pods and runs the rest.
            behaviour.set(SimulatedKubelet.Behaviour.SUCCEED);
            try (KubernetesClient kubeletClient = API.server().adminClient();
                 SimulatedKubelet kubelet = new SimulatedKubelet(kubeletClient, API.cluster().namespace(), p -> behaviourOf(p, behaviour.get()))
                         .onlyLabelled(Map.of(JobLabels.OWNER, "restart")).start()) {
                for (Pod pod : running("restart")) {
                    kubelet.finish(pod.getMetadata().getName(), pod.getSpec().getNodeName().endsWith("-1") ? 1 : 0);
                }
                ExecutionSummary summary = started.completion().get(90, TimeUnit.SECONDS);
                assertOutcomes(summary, "restart", 6);
            }
            assertThat(pods("restart")).extracting(p -> p.getSpec().getNodeName()).doesNotHaveDuplicates().hasSize(6);
        }
    }

    @Test
    void aWatchExpiredByAnEtcdCompactionIsAnswered410AndTheRelistLosesNoJobEnd() throws Exception {
        Map<String, String> selector = nodes("gone", 6);
        LoadedConfig loaded = ConfigLoader.load("name: gone\npodPoolSize: 2\n", JobPodFactoryTest.TEMPLATE, "test");
        AtomicReference<SimulatedKubelet.Behaviour> behaviour = new AtomicReference<>(SimulatedKubelet.Behaviour.HOLD_RUNNING);
        URI api = URI.create(API.server().url());
        try (TcpProxy network = new TcpProxy(api.getPort());
             EngineOnCluster controller = new EngineOnCluster(API.cluster().adminClient(c -> c.withMasterUrl("https://127.0.0.1:" + network.port())),
                     API.cluster().namespace(), loaded, reports, selector, Duration.ofSeconds(30), null);
             SimulatedKubelet kubelet = new SimulatedKubelet(API.cluster().admin(), API.cluster().namespace(), p -> behaviourOf(p, behaviour.get()))
                     .onlyLabelled(Map.of(JobLabels.OWNER, "gone")).start()) {
            controller.engine.activate();
            TriggerOutcome.Started started = (TriggerOutcome.Started) controller.engine.trigger("manual");
            await().atMost(Duration.ofSeconds(20)).until(() -> running("gone").size() == 2);
            String seenVersion = API.cluster().admin().pods().withLabel(JobLabels.OWNER, "gone").list().getMetadata().getResourceVersion();

            // The controller loses the API server; meanwhile both running jobs end and etcd compacts their history away.
            network.cut();
            behaviour.set(SimulatedKubelet.Behaviour.SUCCEED);
            List<Pod> ending = running("gone");
            for (Pod pod : ending) {
                kubelet.finish(pod.getMetadata().getName(), pod.getSpec().getNodeName().endsWith("-1") ? 1 : 0);
            }
            API.cluster().admin().configMaps().resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata()
                    .withName("after-the-ends").endMetadata().build()).create();
            API.server().compactEtcd();
            assertThat(watchFrom(seenVersion)).as("a watch from before the compaction").isEqualTo(410);

            network.restore();
            ExecutionSummary summary = started.completion().get(120, TimeUnit.SECONDS);
            assertOutcomes(summary, "gone", 6);
            assertThat(pods("gone")).extracting(p -> p.getSpec().getNodeName()).doesNotHaveDuplicates().hasSize(6);
        }
    }

    /** Node "-1" fails whenever its job runs to the end; the others succeed (without reporting). */
    private static SimulatedKubelet.Behaviour behaviourOf(Pod pod, SimulatedKubelet.Behaviour now) {
        return now == SimulatedKubelet.Behaviour.SUCCEED && pod.getSpec().getNodeName().endsWith("-1") ? SimulatedKubelet.Behaviour.FAIL : now;
    }

    /** The HTTP code with which the server ends a pod watch from {@code resourceVersion} (0: it did not). */
    private int watchFrom(String resourceVersion) throws Exception {
        CompletableFuture<Integer> code = new CompletableFuture<>();
        try (var ignored = API.cluster().admin().pods().withResourceVersion(resourceVersion).watch(new Watcher<Pod>() {
            @Override
            public void eventReceived(Action action, Pod resource) {
            }

            @Override
            public void onClose(WatcherException cause) {
                code.complete(cause.asClientException().getCode());
            }
        })) {
            return code.get(20, TimeUnit.SECONDS);
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            return e.getCode(); // refused when the watch was opened
        }
    }

    private static void assertOutcomes(ExecutionSummary summary, String pool, int nodes) {
        assertThat(summary.jobs()).hasSize(nodes);
        assertThat(summary.jobs()).filteredOn(j -> j.node().equals(pool + "-1")).extracting(JobSummary::outcome)
                .containsExactly(JobOutcome.FAILED);
        assertThat(summary.jobs()).filteredOn(j -> !j.node().equals(pool + "-1")).extracting(JobSummary::outcome)
                .containsOnly(JobOutcome.NO_REPORT);
    }

    private List<Pod> pods(String name) {
        return API.cluster().admin().pods().withLabel(JobLabels.OWNER, name).list().getItems();
    }

    private List<Pod> running(String name) {
        return pods(name).stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).toList();
    }
}

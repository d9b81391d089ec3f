package io.batchjob.k8s;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.k8s.Kubectl;
import io.batchjob.testkit.k8s.TestNode;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Job pods on a real node (kubelet, containerd, runc, CNI; {@link TestNode}): what only a real node
 * shows — a container's real exit code, an image that cannot be pulled, the kernel's OOM killer,
 * a pod log read through the kubelet, and a deletion that gives the container its termination
 * grace. The engine and the Kubernetes backend run here as batch-app wires them (minus the servers).
 */
class JobPodsRealNodeIT {

    private static TestNode node;
    private static KubernetesClient admin;
    private static int namespaces;

    @TempDir
    Path reports;
    private String namespace;

    @BeforeAll
    static void startNode() {
        node = TestNode.start();
        admin = node.admin();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void namespace() {
        namespace = "real-node-" + ++namespaces;
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
        // The controller-manager gives every namespace its ServiceAccount; pods need it.
        await().atMost(Duration.ofSeconds(60)).until(() -> admin.serviceAccounts().inNamespace(namespace).withName("default").get() != null);
    }

    private static String template(String container) {
        return "apiVersion: v1\nkind: Pod\nspec:\n  terminationGracePeriodSeconds: 30\n  containers:\n    - name: job\n" + container.indent(6);
    }

    private EngineOnCluster controller(String config, String template) {
        LoadedConfig loaded = ConfigLoader.load("name: real\npodPoolSize: 2\n" + config, template, "test");
        return new EngineOnCluster(node.api().adminClient(), namespace, loaded, reports, Map.of(), Duration.ofSeconds(5),
                new ReportStore(reports));
    }

    private static JobSummary run(EngineOnCluster controller) throws Exception {
        controller.engine.activate();
        TriggerOutcome.Started started = (TriggerOutcome.Started) controller.engine.trigger("manual");
        ExecutionSummary summary = started.completion().get(180, TimeUnit.SECONDS);
        assertThat(summary.jobs()).extracting(JobSummary::node).containsExactly(TestNode.NAME);
        return summary.jobs().get(0);
    }

    @Test
    void aContainerThatExitsWith3FailsTheJobWithThatExitCode() throws Exception {
        try (EngineOnCluster controller = controller("", template("""
                image: batch-test/job:1
                imagePullPolicy: Never
                command: [sh, -c, 'echo "scanning $NODE_NAME"; exit 3']
                """))) {
            JobSummary job = run(controller);
            assertThat(job.outcome()).isEqualTo(JobOutcome.FAILED);
            assertThat(job.reason()).isEqualTo("container job exited with code 3 (Error)");
        }
    }

    @Test
    void anImageThatCannotBePulledFailsTheJobWithThePullErrorAndThePodIsDeleted() throws Exception {
        try (EngineOnCluster controller = controller("", template("""
                image: batch-test/does-not-exist:1
                imagePullPolicy: IfNotPresent
                command: [sh, -c, 'exit 0']
                """))) {
            JobSummary job = run(controller);
            assertThat(job.outcome()).isEqualTo(JobOutcome.FAILED);
            assertThat(job.reason()).containsAnyOf("ErrImagePull", "ImagePullBackOff").contains("batch-test/does-not-exist:1");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(admin.pods().inNamespace(namespace).list().getItems()).isEmpty());
        }
    }

    @Test
    void aJobOverItsMemoryLimitIsOomKilled() throws Exception {
        // busybox tail keeps a line in memory until its newline: /dev/zero has none.
        try (EngineOnCluster controller = controller("", template("""
                image: batch-test/job:1
                imagePullPolicy: Never
                command: [sh, -c, 'tail /dev/zero']
                resources: {limits: {memory: 16Mi}}
                """))) {
            JobSummary job = run(controller);
            assertThat(job.outcome()).isEqualTo(JobOutcome.FAILED);
            assertThat(job.reason()).isEqualTo("container job exited with code 137 (OOMKilled)");
        }
    }

    @Test
    void savePodLogReadsTheContainersLogThroughTheKubelet() throws Exception {
        try (EngineOnCluster controller = controller("savePodLog: true\n", template("""
                image: batch-test/job:1
                imagePullPolicy: Never
                command: [sh, -c, 'echo "log line of $NODE_NAME, execution $EXECUTION_ID"; echo "to stderr" >&2']
                """))) {
            JobSummary job = run(controller);
            assertThat(job.outcome()).as("no result was posted").isEqualTo(JobOutcome.NO_REPORT);
            try (Stream<Path> files = Files.walk(reports)) {
                Path log = files.filter(p -> p.getFileName().toString().equals(TestNode.NAME + "-container-job.log")).findFirst().orElseThrow();
                assertThat(Files.readString(log)).contains("log line of " + TestNode.NAME + ", execution ").contains("to stderr");
            }
        }
    }

    @Test
    void aJobPodDeletedWithKubectlGetsItsTerminationGraceAndTheNodeEndsWithTheReason() throws Exception {
        try (EngineOnCluster controller = controller("", template("""
                image: batch-test/job:1
                imagePullPolicy: Never
                command: [sh, -c, 'trap "echo got TERM; exit 7" TERM; echo started; while true; do sleep 1; done']
                """))) {
            controller.engine.activate();
            TriggerOutcome.Started started = (TriggerOutcome.Started) controller.engine.trigger("manual");
            Pod running = await().atMost(Duration.ofSeconds(120)).until(() -> admin.pods().inNamespace(namespace).list().getItems().stream()
                    .filter(p -> "Running".equals(p.getStatus().getPhase())).findFirst().orElse(null), p -> p != null);
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.pods().inNamespace(namespace).withName(running.getMetadata().getName())
                    .getLog().contains("started"));
            CompletableFuture<Integer> exitCode = new CompletableFuture<>();
            Watch watch = admin.pods().inNamespace(namespace).withName(running.getMetadata().getName()).watch(
                    new io.fabric8.kubernetes.client.Watcher<Pod>() {
                        @Override
                        public void eventReceived(Action action, Pod pod) {
                            pod.getStatus().getContainerStatuses().stream().filter(s -> s.getState().getTerminated() != null)
                                    .findFirst().ifPresent(s -> exitCode.complete(s.getState().getTerminated().getExitCode()));
                        }

                        @Override
                        public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                        }
                    });
            try {
                Kubectl.with(node.api().adminKubeconfig()).run("-n", namespace, "delete", "pod", running.getMetadata().getName(), "--wait=false");
                assertThat(exitCode.get(60, TimeUnit.SECONDS)).as("the container ran its TERM trap within the grace period").isEqualTo(7);
            } finally {
                watch.close();
            }
            ExecutionSummary summary = started.completion().get(120, TimeUnit.SECONDS);
            JobSummary job = summary.jobs().get(0);
            assertThat(job.outcome()).isEqualTo(JobOutcome.FAILED);
            assertThat(job.reason()).isIn("container job exited with code 7 (Error)", "the job pod was deleted");
            assertThat(job.node()).isEqualTo(TestNode.NAME);
        }
    }
}

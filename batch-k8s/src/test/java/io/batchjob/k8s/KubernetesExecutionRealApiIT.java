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
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The real engine with the Kubernetes backend, against a real API server and a simulated kubelet. */
@RealApi(namespace = "jobs")
class KubernetesExecutionRealApiIT {

    RealApiCluster cluster;

    @TempDir
    Path reports;

    /** The job: checks the environment it was given, then fails on nodes whose number is 1 modulo 6. */
    static final String TEMPLATE = """
            apiVersion: v1
            kind: Pod
            spec:
              containers:
                - name: job
                  image: registry/scanner:1
                  command: ["sh", "-c"]
                  args:
                    - |
                      test "$NAMESPACE" = jobs && test -n "$CALLBACK_TOKEN" && test "$EXECUTION_ID" = "{{.ExecutionID}}" \\
                        && test "$NODE_NAME" = "{{.NodeName}}" || exit 9
                      case "$CALLBACK_SERVICE_RESULT_URL" in "http://10.0.0.1:8090/job/$CALLBACK_TOKEN/report/$NODE_NAME/$EXECUTION_ID/result") ;; *) exit 8;; esac
                      n=$(expr "${NODE_NAME#node-}" + 0)
                      echo "scanning node $n"
                      [ $((n % 6)) -eq 1 ] && exit 1
                      exit 0
            """;

    /** What the job's script will do (it decides success and failure itself). */
    private static SimulatedKubelet.Behaviour behaviourOf(String node) {
        int i = Integer.parseInt(node.substring(5));
        return switch (i % 6) {
            case 1 -> SimulatedKubelet.Behaviour.FAIL;
            case 2 -> i % 12 == 2 ? SimulatedKubelet.Behaviour.IMAGE_PULL_ERROR : SimulatedKubelet.Behaviour.SUCCEED;
            case 3 -> i == 3 ? SimulatedKubelet.Behaviour.PENDING_FOREVER : SimulatedKubelet.Behaviour.SUCCEED;
            default -> SimulatedKubelet.Behaviour.SUCCEED;
        };
    }

    /** How the simulated kubelet treats the pod: stuck ones never run, the others run their command. */
    private static SimulatedKubelet.Behaviour kubeletFor(String node) {
        SimulatedKubelet.Behaviour b = behaviourOf(node);
        return b == SimulatedKubelet.Behaviour.IMAGE_PULL_ERROR || b == SimulatedKubelet.Behaviour.PENDING_FOREVER ? b
                : SimulatedKubelet.Behaviour.RUN_COMMAND;
    }

    @Test
    void fiftyNodesPoolFiveRunTheRightNodesOnceAndFinishDespiteStuckAndFailingPods() throws Exception {
        KubernetesClient client = cluster.admin();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String name = String.format("node-%02d", i);
            boolean ready = i % 10 != 7;
            boolean cordoned = i % 13 == 4;
            boolean selected = i % 9 != 8;
            cluster.createNode(name, ready, cordoned, Map.of("pool", selected ? "scan" : "other"), 0);
            if (ready && selected && !cordoned) {
                expected.add(name);
            }
        }
        client.serviceAccounts().resource(new ServiceAccountBuilder().withNewMetadata().withName("scanner").endMetadata().build()).create();
        LoadedConfig loaded = ConfigLoader.load("""
                name: scan
                podPoolSize: 5
                jobNodeSelector: {pool: scan, %s: jobs}
                jobTimeout: 4s
                jobServiceAccount: scanner
                """.formatted(RealApiCluster.NODE_LABEL), TEMPLATE, "test");
        ReportStore store = new ReportStore(reports);
        AtomicReference<ExecutionEngine> engineRef = new AtomicReference<>();
        Map<String, Pod> created = new ConcurrentHashMap<>();
        try (KubernetesJobBackend backend = new KubernetesJobBackend(client, "jobs", "scan",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null), Duration.ofMillis(500), null);
             SimulatedKubelet kubelet = new SimulatedKubelet(client, "jobs", pod -> kubeletFor(pod.getSpec().getNodeName()))
                     .onlyLabelled(Map.of(JobLabels.OWNER, "scan"))) {
            kubelet.beforeSuccess(pod -> {
                created.put(pod.getSpec().getNodeName(), pod);
                String execution = pod.getMetadata().getLabels().get(JobLabels.EXECUTION_ID);
                engineRef.get().resultReceived(execution, pod.getSpec().getNodeName(),
                        new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of())))));
            }).start();
            backend.start(Duration.ofSeconds(60));
            ExecutionEngine engine = ExecutionEngine.builder().config(loaded.config())
                    .nodeSource(new KubernetesNodeSource(client, loaded.config().jobNodeSelector(), false))
                    .backend(backend).reportStore(store)
                    .jobEnvironment(new JobEnvironment("jobs", new CallbackEndpoint("10.0.0.1", 8090), CallbackAuth.TOKEN, List.of()))
                    .build();
            engineRef.set(engine);
            try (engine) {
                engine.activate();
                TriggerOutcome.Started started = (TriggerOutcome.Started) engine.trigger("test");
                ExecutionSummary summary = started.completion().get(60, TimeUnit.SECONDS);

                assertThat(summary.jobs()).extracting(JobSummary::node).containsExactlyInAnyOrderElementsOf(expected);
                Map<String, JobOutcome> outcomes = summary.jobs().stream().collect(Collectors.toMap(JobSummary::node, JobSummary::outcome));
                Map<String, JobOutcome> want = new HashMap<>();
                expected.forEach(n -> want.put(n, switch (behaviourOf(n)) {
                    case FAIL, IMAGE_PULL_ERROR -> JobOutcome.FAILED;
                    case PENDING_FOREVER -> JobOutcome.TIMED_OUT;
                    default -> JobOutcome.SUCCEEDED;
                }));
                assertThat(outcomes).isEqualTo(want);
                assertThat(summary.jobs()).filteredOn(j -> behaviourOf(j.node()) == SimulatedKubelet.Behaviour.IMAGE_PULL_ERROR)
                        .allSatisfy(j -> assertThat(j.reason()).startsWith("the job pod could not start: ErrImagePull"));
                assertThat(summary.jobs()).filteredOn(j -> behaviourOf(j.node()) == SimulatedKubelet.Behaviour.FAIL)
                        .allSatisfy(j -> assertThat(j.reason()).isEqualTo("container job exited with code 1 (Error)"));
                assertThat(kubelet.peakLive()).isLessThanOrEqualTo(5).isGreaterThanOrEqualTo(4);

                // One pod per node, with everything the controller enforces.
                assertThat(created).hasSize((int) expected.stream().filter(n -> behaviourOf(n) == SimulatedKubelet.Behaviour.SUCCEED).count());
                created.forEach((node, pod) -> {
                    assertThat(pod.getMetadata().getName()).isEqualTo(PodNames.of("scan", node, started.executionId()));
                    assertThat(pod.getMetadata().getLabels()).containsEntry(JobLabels.OWNER, "scan")
                            .containsEntry(JobLabels.EXECUTION_ID, started.executionId());
                    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("scanner");
                    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
                    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isEqualTo(4L);
                    Map<String, String> env = pod.getSpec().getContainers().get(0).getEnv().stream()
                            .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
                    assertThat(env).containsEntry("NODE_NAME", node).containsEntry("EXECUTION_ID", started.executionId())
                            .containsEntry("NAMESPACE", "jobs").containsKey("CALLBACK_TOKEN")
                            .hasEntrySatisfying("CALLBACK_SERVICE_RESULT_URL", v -> assertThat(v).endsWith("/report/" + node + "/" + started.executionId() + "/result"));
                });
                // The scripts really ran, with the pod's environment.
                assertThat(kubelet.output()).hasSize((int) expected.stream().filter(n -> kubeletFor(n) == SimulatedKubelet.Behaviour.RUN_COMMAND).count());
                assertThat(kubelet.output().get(PodNames.of("scan", "node-05", started.executionId()))).isEqualTo("scanning node 5\n");
                // Stuck pods were deleted; finished pods stay until the next execution cleans them up.
                assertThat(client.pods().inNamespace("jobs").list().getItems()).extracting(p -> p.getSpec().getNodeName())
                        .doesNotContainAnyElementsOf(expected.stream().filter(n -> behaviourOf(n) == SimulatedKubelet.Behaviour.IMAGE_PULL_ERROR
                                || behaviourOf(n) == SimulatedKubelet.Behaviour.PENDING_FOREVER).toList());
            }
        }
    }
}

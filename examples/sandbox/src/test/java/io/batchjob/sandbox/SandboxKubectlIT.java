package io.batchjob.sandbox;

import io.batchjob.app.Listen;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real {@code kubectl} against the sandbox, through every operator command of the README
 * (docs/operations.md) and the lines the sandbox prints: get, describe (with Events), annotate for
 * a run and a re-run, edit to suspend, get events, logs and describe of a job pod, the Lease.
 * {@code .ci/run} installs kubectl when the machine lacks it; locally the test is skipped then.
 */
class SandboxKubectlIT {

    private static final String CONFIG = """
            name: sandbox
            podPoolSize: 2
            cronExpression: ""
            savePodLog: true
            metrics:
              prefix: sandbox
              gauges:
                my_metric: {help: a metric, labels: [label_a, label_b]}
            """;

    @TempDir
    Path dir;

    @Test
    void everyOperatorCommandWorksAsPrinted() throws Exception {
        Path kubectl = kubectl();
        String template = new String(Sandbox.class.getResourceAsStream("pod-template.yaml").readAllBytes(), StandardCharsets.UTF_8);
        try (SandboxCluster sandbox = SandboxCluster.start(3, CONFIG, template, dir.resolve("reports"), Listen.loopbackAnyPort(),
                pod -> pod.getSpec().getNodeName().endsWith("-2") ? SimulatedKubelet.Behaviour.FAIL : SimulatedKubelet.Behaviour.RUN_COMMAND)) {
            sandbox.controller().leadership().get(30, TimeUnit.SECONDS);
            String cm = sandbox.configMapName();
            List<String> hints = Sandbox.kubectlHints(sandbox.kubeconfig().toString(), SandboxCluster.NAMESPACE, cm, "sandbox");
            assertThat(hints.get(0)).startsWith("kubectl:  export KUBECONFIG=" + sandbox.kubeconfig());
            Kubectl k = new Kubectl(kubectl, sandbox.kubeconfig());

            // Run now, exactly as printed (the shell expands $(date +%s)).
            String runHint = hints.stream().filter(h -> h.contains("/run=")).findFirst().orElseThrow().strip();
            assertThat(k.shell(runHint)).contains("configmap/" + cm + " annotated");
            ExecutionEngine engine = sandbox.controller().engine();
            await().atMost(Duration.ofSeconds(30)).until(() -> engine.reportStore().executionIds().size() == 1
                    && engine.reportStore().hasFile(engine.reportStore().executionIds().get(0), ExecutionEngine.SUMMARY_FILE));
            String first = engine.reportStore().executionIds().get(0);

            // The job pods, with the real server's columns; the hint's label selector finds them.
            String pods = k.run(hints.get(1).strip().substring("kubectl ".length()).split(" "));
            assertThat(pods).contains("NAME", "READY", "STATUS", "RESTARTS", "AGE")
                    .contains("sandbox-job-sandbox-node-1-" + first).contains("Completed").contains("Error");
            assertThat(k.run("get", "nodes")).contains("sandbox-node-3", "Ready");
            // A job pod (before the re-run deletes it): its log through pods/log, its Events in describe.
            String pod = "sandbox-job-sandbox-node-1-" + first;
            assertThat(k.run("logs", pod)).contains("job on sandbox-node-1 for execution " + first);
            assertThat(k.run("describe", "pod", pod)).contains("Events:").contains("TestReason").contains("m: a1");

            // Re-run what did not succeed (node-2 failed).
            assertThat(k.run("annotate", "configmap", cm, "batch-job-controller.bakito.github.com/rerun=latest"))
                    .contains("configmap/" + cm + " annotated");
            await().atMost(Duration.ofSeconds(30)).until(() -> engine.reportStore().executionIds().size() == 2
                    && engine.reportStore().hasFile(engine.reportStore().executionIds().get(1), ExecutionEngine.SUMMARY_FILE));

            // Every command of the README's "Operate with kubectl", with the sandbox's namespace and ConfigMap
            // (kubectl edit sends a strategic merge patch; the editor adds suspend: true).
            Path editor = dir.resolve("editor.sh");
            Files.writeString(editor, "#!/bin/sh\nsed -i 's/^    podPoolSize: 2$/    podPoolSize: 2\\n    suspend: true/' \"$1\"\n");
            editor.toFile().setExecutable(true);
            List<String> readme = readmeCommands();
            assertThat(readme).hasSizeGreaterThanOrEqualTo(6).anyMatch(c -> c.contains(" edit ")).anyMatch(c -> c.contains("/rerun="));
            for (String command : readme) {
                String forSandbox = command.replace("-n batch-jobs", "-n " + SandboxCluster.NAMESPACE)
                        .replace("configmap batch-job-controller", "configmap " + cm)
                        .replace("owner=batch-job-controller", "owner=sandbox");
                k.withEnv(Map.of("EDITOR", editor.toString())).shell(forSandbox);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> sandbox.controller().config().suspend());

            // What happened: Events on the ConfigMap in describe, and all Events.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(k.run("describe", "configmap", cm))
                    .contains("Events:").contains("ManualRunAccepted").contains("RerunStarted").contains("ConfigApplied")
                    .contains("Suspended"));
            String events = k.run("get", "events");
            assertThat(events).contains("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")
                    .contains("LeaderElection").contains("lease/sandbox-leader-election").contains("TestReason")
                    .contains("configmap/" + cm);

            assertThat(k.run("get", "lease")).contains("sandbox-leader-election", "sandbox-controller");
            // Every kubectl line the sandbox prints runs as printed (with the KUBECONFIG it tells to export).
            for (String hint : hints.subList(1, hints.size())) {
                k.shell(hint.replaceFirst("\\s+#.*$", "").strip());
            }
        }
    }

    /** The commands of the README's "Operate with kubectl" block, comments removed. */
    private static List<String> readmeCommands() throws Exception {
        String readme = Files.readString(Path.of("..", "..", "README.md"));
        String section = readme.substring(readme.indexOf("## Operate with kubectl"));
        String block = section.substring(section.indexOf("```sh") + 5, section.indexOf("```", section.indexOf("```sh") + 5));
        return block.lines().map(l -> l.replaceFirst("\\s+#.*$", "").strip()).filter(l -> l.startsWith("kubectl ")).toList();
    }

    private static Path kubectl() {
        for (String candidate : new String[]{System.getenv("KUBECTL"), "/usr/bin/kubectl", "/usr/local/bin/kubectl"}) {
            if (candidate != null && Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        io.batchjob.testkit.Tools.missing("kubectl", "apt-get install -y kubernetes-client, or set KUBECTL to its path (.ci/run installs it)");
        return null;
    }

    /** Runs kubectl with the sandbox's kubeconfig (its context's namespace is the sandbox's). */
    private record Kubectl(Path binary, Path kubeconfig, Map<String, String> env) {
        Kubectl(Path binary, Path kubeconfig) {
            this(binary, kubeconfig, Map.of());
        }

        Kubectl withEnv(Map<String, String> more) {
            return new Kubectl(binary, kubeconfig, more);
        }

        String run(String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(binary.toString()));
            command.addAll(List.of(args));
            return exec(command);
        }

        /** A printed line as a person pastes it into a shell ({@code kubectl} from PATH is this binary). */
        String shell(String line) throws Exception {
            return exec(List.of("sh", "-c", line.replaceFirst("^kubectl ", binary + " ")));
        }

        private String exec(List<String> command) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
            pb.environment().putAll(env);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
            return out;
        }
    }
}

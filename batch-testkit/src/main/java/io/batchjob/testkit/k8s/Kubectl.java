package io.batchjob.testkit.k8s;

import io.batchjob.testkit.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code kubectl} binary, for tests that check what an operator sees. {@code .ci/run}
 * installs it when the machine lacks it; locally a test that needs it is skipped then.
 */
public final class Kubectl {

    private final Path binary;
    private final Path kubeconfig;

    private Kubectl(Path binary, Path kubeconfig) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
    }

    /** kubectl with this kubeconfig; skips the calling test when kubectl is missing (fails in CI). */
    public static Kubectl with(Path kubeconfig) {
        for (String candidate : new String[]{System.getenv("KUBECTL"), "/usr/bin/kubectl", "/usr/local/bin/kubectl"}) {
            if (candidate != null && Files.isExecutable(Path.of(candidate))) {
                return new Kubectl(Path.of(candidate), kubeconfig);
            }
        }
        io.batchjob.testkit.Tools.missing("kubectl", "apt-get install -y kubernetes-client, or set KUBECTL to its path (.ci/run installs it)");
        return null;
    }

    /** Runs {@code kubectl args...}; its output (stdout and stderr). Fails when it exits non-zero. */
    public String run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl did not end within 60 s: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + out);
        }
        return out;
    }
}

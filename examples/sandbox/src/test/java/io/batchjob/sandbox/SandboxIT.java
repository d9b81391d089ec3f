package io.batchjob.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox's --once mode: the built-in example succeeds on every node, a failing job fails the run. */
class SandboxIT {

    private int run(ByteArrayOutputStream buf, String... args) {
        Sandbox sandbox = new Sandbox();
        sandbox.out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        return new CommandLine(sandbox).execute(args);
    }

    @Test
    void theBuiltInExampleSucceedsOnFiveNodesWithPoolTwo(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Path reports = dir.resolve("reports");

        int exit = run(buf, "--once", "--nodes", "5", "--pool-size", "2", "--report-dir", reports.toString());

        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isZero();
        for (int i = 1; i <= 5; i++) {
            assertThat(out).containsPattern("sandbox-node-" + i + " +SUCCEEDED");
        }
        assertThat(out).contains("reports: " + reports).doesNotContain("http://");
        String id = Files.readSymbolicLink(reports.resolve("latest")).toString();
        assertThat(reports.resolve(id).resolve("sandbox-node-3.json")).exists();
        assertThat(reports.resolve(id).resolve("sandbox-node-3-test.txt")).hasContent("hello from sandbox-node-3");
        assertThat(reports.resolve(".controller").resolve(id).resolve("_summary.json")).exists();
        assertThat(Files.readString(reports.resolve(id).resolve("sandbox-node-3-container-job.log")))
                .startsWith("job on sandbox-node-3 for execution " + id + " in sandbox");
    }

    @Test
    void aJobThatExitsNonZeroFailsItsNodeAndTheRun(@TempDir Path dir) throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(conf.resolve("config.yaml"), "name: mine\npodPoolSize: 1\n");
        Files.writeString(conf.resolve("pod-template.yaml"), """
                kind: Pod
                spec:
                  containers:
                    - name: job
                      image: busybox
                      command: [sh, -c, 'test "$NODE_NAME" != sandbox-node-2']
                """);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();

        int exit = run(buf, "--once", "--nodes", "2", "--config-dir", conf.toString(), "--report-dir", dir.resolve("r").toString());

        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isEqualTo(1);
        assertThat(out).containsPattern("sandbox-node-1 +NO_REPORT").containsPattern("sandbox-node-2 +FAILED .*exited with code 1");
    }

    @Test
    void theMixedDemoExitsOneAsAnyRunWithFailedNodesAndSavesTheFailedNodesLog(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Path reports = dir.resolve("reports");

        int exit = run(buf, "--once", "--mixed", "--nodes", "3", "--report-dir", reports.toString());

        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isEqualTo(1);
        assertThat(out).containsPattern("sandbox-node-2 +FAILED").containsPattern("sandbox-node-3 +NO_REPORT");
        String id = Files.readSymbolicLink(reports.resolve("latest")).toString();
        // Every line once (not twice), for the failed node too.
        assertThat(Files.readAllLines(reports.resolve(id).resolve("sandbox-node-2-container-job.log")))
                .containsExactly("simulated kubelet: the container failed with exit code 1");
        assertThat(Files.readAllLines(reports.resolve(id).resolve("sandbox-node-1-container-job.log")))
                .doesNotHaveDuplicates().isNotEmpty();
    }
}

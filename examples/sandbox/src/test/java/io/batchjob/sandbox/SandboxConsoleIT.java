package io.batchjob.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged sandbox's console as a person sees it: the dashboard URL first, the controller's lines, no API server request log. */
class SandboxConsoleIT {

    @TempDir
    Path dir;

    @Test
    void aFiveNodeRunPrintsWhatItRunsFirstNoDeadUrlsAndNoRequestLog() throws Exception {
        Path jar = Path.of("target", "batch-sandbox.jar");
        assertThat(jar).as("run after package").exists();
        Path console = dir.resolve("console.txt");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "--once", "--nodes", "5", "--report-dir", dir.resolve("reports").toString()))
                .redirectErrorStream(true).redirectOutput(console.toFile()).start();
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the run ends").isTrue();
        } finally {
            p.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(console);
        String all = String.join("\n", lines);
        assertThat(p.exitValue()).as(all).isZero();
        assertThat(lines.stream().filter(l -> !l.isBlank()).findFirst().orElseThrow()).as(all)
                .isEqualTo("sandbox: one execution on 5 nodes; reports in " + dir.resolve("reports") + " (the servers stop when it ends)");
        assertThat(all).doesNotContain("received request").doesNotContain("MockWebServer");
        // The servers are gone once the run has ended: --once prints no URL that would be dead when read.
        assertThat(all).doesNotContain("http://127.0.0.1:").doesNotContain(" WARN ").doesNotContain("the leader is null");
        assertThat(lines).contains("reports: " + dir.resolve("reports"));
        assertThat(all).contains("20% done (1/5 jobs)").contains("100% done (5/5 jobs)");
        assertThat(lines).as(all).hasSizeLessThan(60);
    }
}

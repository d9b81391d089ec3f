package io.batchjob.examples.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The built-in example end to end: local processes call back with curl through the real callback API. */
class LocalBackendAppTest {

    private int run(Path reports, ByteArrayOutputStream buf, String... extra) {
        LocalBackendApp app = new LocalBackendApp();
        app.out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        String[] args = new String[extra.length + 3];
        args[0] = "--once";
        args[1] = "--report-dir";
        args[2] = reports.toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        return new CommandLine(app).execute(args);
    }

    @Test
    void everyNodeRunsTheCurlScriptAndSucceeds(@TempDir Path reports) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();

        int exit = run(reports, buf);

        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isZero();
        assertThat(out).containsPattern("alpha +SUCCEEDED").containsPattern("beta +SUCCEEDED").containsPattern("gamma +SUCCEEDED");
        String id = Files.readSymbolicLink(reports.resolve("latest")).toString();
        Path dir = reports.resolve(id);
        assertThat(dir.resolve("alpha.json")).hasContent("{\"my_metric\":[{\"value\":1.0,\"labels\":{\"label_a\":\"alpha\"}}]}");
        assertThat(dir.resolve("beta-report.txt")).hasContent("report of beta");
        assertThat(Files.readString(dir.resolve("gamma-container-job.log"))).startsWith("job on gamma, execution " + id);
        assertThat(dir.getParent().resolve(".controller").resolve(dir.getFileName()).resolve("_summary.json")).exists();
    }

    @Test
    void aFailingJobFailsItsNodeAndTheRun(@TempDir Path reports, @TempDir Path conf) throws Exception {
        Path config = conf.resolve("config.yaml");
        Files.writeString(config, """
                name: failing
                podPoolSize: 1
                custom:
                  nodes: [one, two]
                  command: [sh, -c, 'test "$NODE_NAME" = one || exit 3']
                """);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();

        int exit = run(reports, buf, "--config", config.toString());

        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(exit).isEqualTo(1);
        assertThat(out).containsPattern("one +NO_REPORT").containsPattern("two +FAILED +\\d+  exit code 3");
    }

    @Test
    void neverRunsMoreProcessesThanThePool(@TempDir Path reports, @TempDir Path conf) throws Exception {
        Path trace = conf.resolve("trace.log");
        Path config = conf.resolve("config.yaml");
        Files.writeString(config, """
                name: pooled
                podPoolSize: 2
                callbackAuth: none
                custom:
                  nodes: [n1, n2, n3, n4, n5, n6]
                  command: [sh, -c, 'echo "start $NODE_NAME" >> "%s"; sleep 0.3; echo "end $NODE_NAME" >> "%s"; exit 0']
                """.formatted(trace, trace));

        run(reports, new ByteArrayOutputStream(), "--config", config.toString());

        int running = 0;
        int peak = 0;
        java.util.List<String> lines = Files.readAllLines(trace);
        for (String line : lines) {
            running += line.startsWith("start") ? 1 : -1;
            peak = Math.max(peak, running);
        }
        assertThat(lines).hasSize(12);
        assertThat(peak).isEqualTo(2);
    }

    @Test
    void helpDocumentsTheOptions() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CommandLine cl = new CommandLine(new LocalBackendApp());
        cl.setOut(new java.io.PrintWriter(buf, true, StandardCharsets.UTF_8));
        assertThat(cl.execute("--help")).isZero();
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("--once").contains("--config").contains("--report-dir").contains("--callback-port");
    }
}

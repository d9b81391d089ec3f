package io.batchjob.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus' promtool, built from Go modules by {@code testing/promtool/build.sh}. Missing: tests
 * are skipped locally (with the command that builds it) and fail under {@code CI=true}.
 */
public final class Promtool {

    public static final Path BINARY = Path.of("..", "testing", "promtool", "bin", "promtool").toAbsolutePath().normalize();

    /** What promtool printed and how it exited. */
    public record Run(int exitCode, String output) {
    }

    private Promtool() {
    }

    public static void requireBuilt() {
        if (!Files.isExecutable(BINARY)) {
            io.batchjob.testkit.Tools.missing("promtool (" + BINARY + ")", "run testing/promtool/build.sh (needs Go; .ci/run does)");
        }
    }

    /** Runs promtool with {@code args} in {@code dir}, at most a minute. */
    public static Run run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(BINARY.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", args) + " did not end within a minute");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}

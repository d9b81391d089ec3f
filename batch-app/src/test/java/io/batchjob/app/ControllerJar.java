package io.batchjob.app;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged controller as a process of its own, as a pod would run it: for tests with several replicas. */
final class ControllerJar {

    private ControllerJar() {
    }

    /**
     * The command for one replica listening on {@code address} (a loopback address of its own),
     * its output in {@code <logDir>/<hostname>.log}; the caller adds the environment and starts it.
     */
    static ProcessBuilder replica(Path logDir, String hostname, String address) {
        Path jar = Path.of("target", "batch-job-controller.jar");
        assertThat(jar).as("run after package").exists();
        return new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", jar.toString(), "--bind-address", address))
                .redirectErrorStream(true).redirectOutput(logDir.resolve(hostname + ".log").toFile());
    }

    /** Prints the replicas' logs (their last 200 lines each) to stderr: what each did, for whoever reads a failure. */
    static void printLogs(Path logDir, String... hostnames) {
        for (String hostname : hostnames) {
            Path log = logDir.resolve(hostname + ".log");
            try {
                List<String> lines = java.nio.file.Files.readAllLines(log);
                System.err.println("---- " + hostname + ".log (last " + Math.min(200, lines.size()) + " of " + lines.size() + " lines)");
                lines.subList(Math.max(0, lines.size() - 200), lines.size()).forEach(System.err::println);
            } catch (java.io.IOException e) {
                System.err.println("---- " + hostname + ".log cannot be read: " + e);
            }
        }
    }
}

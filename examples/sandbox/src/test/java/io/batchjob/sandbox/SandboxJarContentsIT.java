package io.batchjob.sandbox;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped sandbox jar holds main code only: no class compiled from any module's test sources
 * (the simulated kubelet and the mock API server come from batch-testkit's main code) and no test
 * framework. Runs after {@code package}, against the jar the build just made.
 */
class SandboxJarContentsIT {

    private static final Path REACTOR_ROOT = Path.of("..", "..");

    @Test
    void theJarHoldsNoTestClassOfAnyModule() throws IOException {
        Set<String> testClasses = new TreeSet<>();
        for (Path dir : testClassDirectories()) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.filter(f -> f.toString().endsWith(".class"))
                        .forEach(f -> testClasses.add(dir.relativize(f).toString().replace('\\', '/')));
            }
        }
        // The check itself must have something to compare: the sandbox's own tests, at least this class.
        assertThat(testClasses).contains("io/batchjob/sandbox/SandboxJarContentsIT.class");

        List<String> entries = jarEntries();
        assertThat(entries).as("the jar's entries").contains("io/batchjob/sandbox/Sandbox.class",
                "io/batchjob/testkit/k8s/SimulatedKubelet.class", "io/batchjob/testkit/k8s/MockApiServer.class");
        assertThat(entries).as("classes compiled from test sources").noneMatch(testClasses::contains);
        assertThat(entries).as("test frameworks").noneMatch(e -> e.startsWith("org/junit/") || e.startsWith("org/assertj/")
                || e.startsWith("org/mockito/") || e.startsWith("org/awaitility/"));
    }

    private static List<Path> testClassDirectories() throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (Path parent : List.of(REACTOR_ROOT, REACTOR_ROOT.resolve("examples"))) {
            try (Stream<Path> modules = Files.list(parent)) {
                modules.map(m -> m.resolve("target").resolve("test-classes")).filter(Files::isDirectory).forEach(dirs::add);
            }
        }
        assertThat(dirs).as("test-classes directories of the reactor").hasSizeGreaterThan(5);
        return dirs;
    }

    private static List<String> jarEntries() throws IOException {
        try (ZipFile jar = new ZipFile(Path.of("target", "batch-sandbox.jar").toFile())) {
            return jar.stream().map(ZipEntry::getName).toList();
        }
    }
}

package io.batchjob.testkit.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchjob.testkit.Tools;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real node: {@code testing/node/node.sh run} starts containerd, the kubelet and kube-proxy
 * against a dedicated test API server, which this class starts with the node's token (the
 * kubelet is user {@code system:node:bjc-node} in group {@code system:nodes}). Pods really run:
 * images from the archives of {@code node.sh build} (and any given to {@link #start}), the pod
 * network 10.244.0.0/24, Services through kube-proxy, logs through the kubelet.
 *
 * <p>Needs root and {@code node.sh build}; {@link #requireBuilt()} skips the calling test with
 * the command to run, or fails it under CI. One node per machine; {@link #close()} stops both
 * processes and the script removes everything it set up.
 */
public final class TestNode implements AutoCloseable {

    /** The node's name. */
    public static final String NAME = "bjc-node";
    /** The node's address (a dummy interface): where servers that pods must reach listen. */
    public static final String NODE_IP = "10.250.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final TestApiServer api;
    private final Path tokens;
    private final Process process;
    private final Path log;
    private final JsonNode ready;
    private KubernetesClient admin;

    private TestNode(TestApiServer api, Path tokens, Process process, Path log, JsonNode ready) {
        this.api = api;
        this.tokens = tokens;
        this.process = process;
        this.log = log;
        this.ready = ready;
    }

    /** {@code testing/node} above the working directory, if the node is built there. */
    public static Optional<Path> directory() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("testing/node");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate).filter(d -> Files.isExecutable(d.resolve("bin/test-node"))
                        && Files.isRegularFile(d.resolve("bin/pause.tar")) && Files.isRegularFile(d.resolve("bin/job.tar")));
            }
        }
        return Optional.empty();
    }

    /** Skips the calling test (fails it under CI) unless the node is built, the API server too, and this runs as root. */
    public static void requireBuilt() {
        if (TestApiServer.binary().isEmpty()) {
            Tools.missing("the test API server", TestApiServer.missingBinaryMessage());
        }
        if (directory().isEmpty()) {
            Tools.missing("the test node", "run testing/node/node.sh build (needs Go and Debian's containerd, runc,"
                    + " containernetworking-plugins; ~8 minutes the first time)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            Tools.missing("root", "the test node runs containers and needs root (containerd, network namespaces, cgroups)");
        }
    }

    /**
     * Starts a dedicated API server and a node registered with it; both stop on {@link #close()}.
     *
     * @param images image archives to import besides the pause and job images (e.g. the controller's)
     */
    public static TestNode start(Path... images) {
        requireBuilt();
        Path dir = directory().orElseThrow();
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        Path tokens;
        try {
            tokens = Files.createTempFile("test-node-tokens-", ".csv");
            Files.writeString(tokens, token + "," + "system:node:" + NAME + "," + NAME + ",\"system:nodes\"\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestApiServer api = TestApiServer.startDedicated("node", "--token-auth-file=" + tokens);
        List<String> command = new ArrayList<>(List.of(dir.resolve("node.sh").toString(), "run",
                "--kubeconfig", api.adminKubeconfig().toString(), "--token", token));
        for (Path image : images) {
            command.add("--image");
            command.add(image.toAbsolutePath().toString());
        }
        Path log = Path.of("target", "test-node", "node.log").toAbsolutePath();
        Process process;
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            api.close();
            deleteQuietly(tokens);
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
        long started = System.nanoTime();
        try {
            JsonNode ready = ReadyLine.await(process, "the test node", log, START_TIMEOUT);
            System.out.printf("test node %s ready in %d ms (state %s)%n", NAME, (System.nanoTime() - started) / 1_000_000,
                    ready.path("state").asText());
            return new TestNode(api, tokens, process, log, ready);
        } catch (IllegalStateException e) {
            stop(process);
            api.close();
            deleteQuietly(tokens);
            throw e;
        }
    }

    /** The API server the node is registered with. */
    public TestApiServer api() {
        return api;
    }

    /** An admin client of the node's API server, closed with the node. */
    public synchronized KubernetesClient admin() {
        if (admin == null) {
            admin = api.adminClient();
        }
        return admin;
    }

    /** The script's log (what it did, and its errors). */
    public Path log() {
        return log;
    }

    /** The kubelet's log, while the node runs. */
    public Path kubeletLog() {
        return Path.of(ready.path("kubeletLog").asText());
    }

    @Override
    public void close() {
        synchronized (this) {
            if (admin != null) {
                admin.close();
            }
        }
        stop(process);
        api.close();
        deleteQuietly(tokens);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.err.println("cannot delete " + file + ": " + e);
        }
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.batchjob.testkit.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real kube-apiserver with an embedded etcd, run as its own process from the binary that
 * {@code testing/kube-apiserver/build.sh} builds. Loopback only, its own CA, an admin client
 * certificate, RBAC and ServiceAccount token signing; no scheduler, controller-manager or kubelet.
 *
 * <p>{@link #shared()} is the one server of a test JVM (stopped when the JVM exits; the process also
 * stops by itself when the JVM dies, as its standard input closes). {@link #startDedicated} gives a
 * test its own server that it may {@link #restart()}, {@link #pause()} or compact.
 */
public final class TestApiServer implements AutoCloseable {

    /** Environment variable or system property naming the binary, instead of the default path. */
    public static final String BINARY_PROPERTY = "TEST_APISERVER";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestApiServer shared;

    private final Path binary;
    private final Path dataDir;
    private final List<String> extraArgs;
    private final String name;
    private Process process;
    private JsonNode ready;
    private int port;
    private int etcdPort;

    private TestApiServer(Path binary, Path dataDir, String name, List<String> extraArgs) {
        this.binary = binary;
        this.dataDir = dataDir;
        this.name = name;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Where the binary is expected: {@code $TEST_APISERVER}, or {@code testing/kube-apiserver/bin/test-apiserver} above the working directory. */
    public static Optional<Path> binary() {
        String configured = Optional.ofNullable(System.getProperty(BINARY_PROPERTY)).orElse(System.getenv(BINARY_PROPERTY));
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("testing/kube-apiserver/bin/test-apiserver");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
            if (Files.isDirectory(dir.resolve("testing/kube-apiserver"))) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The message for a missing binary: what to run. */
    public static String missingBinaryMessage() {
        return "the test API server is not built: run testing/kube-apiserver/build.sh (needs Go; ~15 minutes the first time), "
                + "or set " + BINARY_PROPERTY + " to its path";
    }

    /** The server shared by every test class of this JVM, started on first use. */
    public static synchronized TestApiServer shared() {
        if (shared == null) {
            TestApiServer s = create("shared", List.of());
            s.startProcess();
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "test-apiserver-stop"));
            shared = s;
        }
        return shared;
    }

    /** A server of the calling test's own (close it), with extra kube-apiserver flags. */
    public static TestApiServer startDedicated(String name, String... extraApiServerArgs) {
        TestApiServer s = create(name, List.of(extraApiServerArgs));
        s.startProcess();
        return s;
    }

    private static TestApiServer create(String name, List<String> extra) {
        Path bin = binary().orElseThrow(() -> new IllegalStateException(missingBinaryMessage()));
        try {
            return new TestApiServer(bin, Files.createTempDirectory("test-apiserver-" + name + "-"), name, extra);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startProcess() {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--data-dir", dataDir.toString(), "--keep-data",
                "--exit-on-stdin-eof", "--port", String.valueOf(port), "--etcd-port", String.valueOf(etcdPort)));
        if (!extraArgs.isEmpty()) {
            command.add("--");
            command.addAll(extraArgs);
        }
        Path log = logFile();
        long started = System.nanoTime();
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        ready = ReadyLine.await(process, "the test API server", log, START_TIMEOUT);
        port = URI.create(ready.get("server").asText()).getPort();
        etcdPort = URI.create(ready.get("etcd").asText()).getPort();
        System.out.printf("test API server '%s' ready at %s in %d ms%n", name, url(), (System.nanoTime() - started) / 1_000_000);
    }

    private Path logFile() {
        return Path.of("target", "test-apiserver", name + ".log").toAbsolutePath();
    }

    public String url() {
        return ready.get("server").asText();
    }

    public String etcdUrl() {
        return ready.get("etcd").asText();
    }

    /** PEM files of the certificate and key a simulated kubelet serves with (the API server does not verify them). */
    public Path kubeletCertificate() {
        return Path.of(ready.get("kubeletCert").asText());
    }

    public Path kubeletKey() {
        return Path.of(ready.get("kubeletKey").asText());
    }

    /** The admin kubeconfig the server wrote (for kubectl). */
    public Path adminKubeconfig() {
        return Path.of(ready.get("kubeconfig").asText());
    }

    /** A client configuration for the admin identity (group {@code system:masters}). */
    public Config adminConfig() {
        try {
            return new ConfigBuilder(Config.fromKubeconfig(Files.readString(Path.of(ready.get("kubeconfig").asText()))))
                    .withConnectionTimeout(10_000).withRequestTimeout(30_000).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new admin client (close it). */
    public KubernetesClient adminClient() {
        return new KubernetesClientBuilder().withConfig(adminConfig()).build();
    }

    /** A client configuration with a bearer token (e.g. a ServiceAccount's), trusting this server's CA. */
    public Config tokenConfig(String token, String namespace) {
        Config admin = adminConfig();
        return new ConfigBuilder().withMasterUrl(url()).withCaCertData(admin.getCaCertData()).withOauthToken(token)
                .withNamespace(namespace).withConnectionTimeout(10_000).withRequestTimeout(30_000).build();
    }

    /** Stops the process (SIGTERM, as a kubelet would) and waits for it; the data stays for {@link #restart()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Stops and starts the API server again on the same ports with the same etcd data and certificates. */
    public synchronized void restart() {
        stop();
        startProcess();
    }

    /** Freezes the process (SIGSTOP): requests hang, as during an API stall. */
    public void pause() {
        signal("STOP");
    }

    /** Lets a {@linkplain #pause() paused} process go on (SIGCONT). */
    public void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Compacts etcd up to its current revision (through etcd's JSON gateway), so that watches from
     * an older resourceVersion that reach etcd get {@code 410 Gone}.
     *
     * @return the revision compacted to
     */
    public long compactEtcd() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            // A range request on any key answers with the store's current revision in its header.
            JsonNode range = JSON.readTree(post(http, "/v3/kv/range", "{\"key\":\"AA==\"}"));
            long revision = range.path("header").path("revision").asLong();
            post(http, "/v3/kv/compaction", "{\"revision\":" + revision + ",\"physical\":true}");
            return revision;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    private String post(HttpClient http, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(etcdUrl() + path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("etcd " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** Stops the process and removes its data. */
    @Override
    public void close() {
        stop();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }
}

package io.batchjob.http.callback;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.spi.CallbackObserver;
import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobEventPublisher;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.http.UndertowServer;
import org.xnio.XnioWorker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A running engine (in-memory backend, nodes node-a and node-b running, node-c pending) behind a
 * real callback server on a loopback port, with a recording event publisher and observer.
 */
final class CallbackFixture implements AutoCloseable {

    final Path base;
    final Path reports;
    final EngineHarness harness;
    final ExecutionEngine engine;
    final String executionId;
    final List<JobEvent> events = new CopyOnWriteArrayList<>();
    final List<CallbackObserver.CallbackRequest> observed = new CopyOnWriteArrayList<>();
    final List<String> budgetRefusals = new CopyOnWriteArrayList<>();
    volatile JobEventPublisher.JobEventException eventFailure;
    /** Short, so that tests of stalled bodies are quick; the product's is {@link CallbackSettings#DEFAULT_BODY_IDLE_TIMEOUT}. */
    static final java.time.Duration BODY_IDLE_TIMEOUT = java.time.Duration.ofSeconds(2);
    final XnioWorker worker;
    final UndertowServer server;
    final HttpClient client = HttpClient.newHttpClient();

    CallbackFixture(Path base, CallbackAuth auth, boolean devMode, long maxUpload, long maxResult, int maxConcurrent, int maxQueued) {
        this(base, List.of("node-a", "node-b", "node-c"), auth, devMode, maxUpload, maxResult, maxConcurrent, maxQueued);
    }

    CallbackFixture(Path base, List<String> nodes, CallbackAuth auth, boolean devMode, long maxUpload, long maxResult, int maxConcurrent,
                    int maxQueued) {
        this(base, nodes, auth, devMode, maxUpload, maxResult, maxConcurrent, maxQueued,
                io.batchjob.core.config.ControllerConfig.DEFAULT_MAX_SERIES_PER_RESULT);
    }

    /** The first two nodes run, the others wait. */
    CallbackFixture(Path base, List<String> nodes, CallbackAuth auth, boolean devMode, long maxUpload, long maxResult, int maxConcurrent,
                    int maxQueued, int maxSeries) {
        this(base, nodes, 2, auth, devMode, maxUpload, maxResult, maxConcurrent, maxQueued, maxSeries);
    }

    /** The first {@code running} nodes run, the others wait. */
    CallbackFixture(Path base, List<String> nodes, int running, CallbackAuth auth, boolean devMode, long maxUpload, long maxResult,
                    int maxConcurrent, int maxQueued, int maxSeries) {
        this(base, nodes, running, auth, devMode, maxUpload, maxResult, maxConcurrent, maxQueued, maxSeries, b -> b);
    }

    /** As above, with the engine harness adjusted (listeners, backlog). */
    CallbackFixture(Path base, List<String> nodes, int running, CallbackAuth auth, boolean devMode, long maxUpload, long maxResult,
                    int maxConcurrent, int maxQueued, int maxSeries, java.util.function.UnaryOperator<EngineHarness.Builder> adjust) {
        this(base, nodes, running, auth, devMode, maxUpload, maxResult, maxConcurrent, maxQueued, maxSeries, adjust,
                io.batchjob.core.config.Budgets.DEFAULT);
    }

    /** As above, with budgets (the engine's and the callback API's). */
    CallbackFixture(Path base, List<String> nodes, int running, CallbackAuth auth, boolean devMode, long maxUpload, long maxResult,
                    int maxConcurrent, int maxQueued, int maxSeries, java.util.function.UnaryOperator<EngineHarness.Builder> adjust,
                    io.batchjob.core.config.Budgets budgets) {
        this.base = base;
        this.reports = base.resolve("reports");
        this.harness = adjust.apply(EngineHarness.builder(reports).nodes(nodes).poolSize(running).auth(auth).budgets(budgets)).build();
        this.engine = harness.engine;
        engine.activate();
        this.executionId = ((TriggerOutcome.Started) engine.trigger("test")).executionId();
        await().until(() -> harness.backend.running() == Math.min(running, nodes.size()));
        JobEventPublisher publisher = event -> {
            if (eventFailure != null) {
                throw eventFailure;
            }
            events.add(event);
        };
        CallbackApi api = new CallbackApi(engine, harness.store, publisher,
                new CallbackSettings(auth, "batch_job", maxUpload, maxResult, devMode, maxConcurrent, maxQueued, maxSeries,
                        BODY_IDLE_TIMEOUT, budgets), new CallbackObserver() {
                    @Override
                    public void onCallback(CallbackRequest request) {
                        observed.add(request);
                    }

                    @Override
                    public void onBudgetExceeded(String budget) {
                        budgetRefusals.add(budget);
                    }
                });
        this.worker = UndertowServer.newWorker(2, 16);
        this.server = UndertowServer.start("callback", "127.0.0.1", 0, api.handler(), worker,
                UndertowServer.Limits.threads(16).withMaxEntitySize(Math.max(maxUpload, maxResult)));
    }

    static CallbackFixture standard(Path base) {
        return new CallbackFixture(base, CallbackAuth.TOKEN, false, 1 << 20, 64 << 10, 16, 512);
    }

    JobRequest job(String node) {
        return harness.backend.request(executionId, node).orElseThrow();
    }

    String secret(String node) {
        return job(node).callbackSecret();
    }

    /** The injected URL, pointed at the test server's port. */
    String injectedUrl(String node, String kind) {
        String url = job(node).environment().get("CALLBACK_SERVICE_" + kind.toUpperCase() + "_URL");
        return url.replace("@10.0.0.1:8090", "@127.0.0.1:" + server.port()).replace("//10.0.0.1:8090", "//127.0.0.1:" + server.port());
    }

    String url(String node, String kind) {
        return "http://127.0.0.1:" + server.port() + "/report/" + node + "/" + executionId + "/" + kind;
    }

    String basic(String node) {
        return "Basic " + Base64.getEncoder().encodeToString(("job:" + secret(node)).getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> post(String url, String authorization, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(java.time.Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Runs curl like a job script would; returns "<status>\n<body>". */
    static String curl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new AssertionError("curl failed: " + out);
        }
        int nl = out.lastIndexOf('\n');
        return out.substring(nl + 1) + "\n" + out.substring(0, nl);
    }

    /** Every regular file and link below the test's base directory, with its size: the "nothing changed" witness. */
    List<String> snapshot() {
        try (Stream<Path> s = Files.walk(base)) {
            return s.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> base.relativize(p) + ":" + size(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        server.close();
        worker.shutdown();
        harness.close();
    }
}

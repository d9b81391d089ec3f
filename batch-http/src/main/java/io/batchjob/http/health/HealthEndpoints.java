package io.batchjob.http.health;

import io.batchjob.core.spi.HealthCheck;
import io.batchjob.http.PlainText;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * {@code /healthz} (liveness: the liveness checks) and {@code /readyz} (readiness: liveness and
 * readiness checks) with pluggable {@link HealthCheck}s: 200 when all pass, 503 otherwise, with one
 * line per check. Checks may be added at any time (e.g. by modules that start later).
 */
public final class HealthEndpoints {

    private final List<HealthCheck> liveness = new CopyOnWriteArrayList<>();
    private final List<HealthCheck> readiness = new CopyOnWriteArrayList<>();

    public HealthEndpoints addLiveness(HealthCheck check) {
        liveness.add(check);
        return this;
    }

    public HealthEndpoints addReadiness(HealthCheck check) {
        readiness.add(check);
        return this;
    }

    public HttpHandler handler() {
        return new BlockingHandler(this::handle);
    }

    private void handle(HttpServerExchange exchange) {
        if (!Methods.GET.equals(exchange.getRequestMethod()) && !Methods.HEAD.equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
            PlainText.send(exchange, 405, "method " + exchange.getRequestMethod() + " is not allowed: use GET");
            return;
        }
        List<HealthCheck> checks = new ArrayList<>(liveness);
        switch (exchange.getRelativePath()) {
            case "/healthz", "/livez" -> {
            }
            case "/readyz" -> checks.addAll(readiness);
            default -> {
                PlainText.send(exchange, 404, "not found: use /healthz or /readyz");
                return;
            }
        }
        boolean up = true;
        StringBuilder body = new StringBuilder();
        for (HealthCheck check : checks) {
            HealthCheck.Status status;
            try {
                status = check.check();
            } catch (RuntimeException e) {
                status = HealthCheck.Status.down(e.toString());
            }
            up &= status.up();
            body.append(check.name()).append(": ").append(status.up() ? "ok" : "FAILED");
            if (!status.detail().isEmpty()) {
                body.append(" (").append(status.detail()).append(')');
            }
            body.append('\n');
        }
        PlainText.send(exchange, up ? 200 : 503, (up ? "ok\n" : "not ok\n") + body);
    }

    /** The report directory exists and is writable. */
    public static HealthCheck reportDirectory(Path root) {
        return of("report-directory", () -> Files.isDirectory(root) && Files.isWritable(root), root.toString());
    }

    /**
     * The report volume takes writes (a 4 KiB probe, at most every 5 s: {@link io.batchjob.core.report.ReportStore#writeProblem})
     * and nothing the engine recorded waits in memory for it ({@code unwrittenRecords}): a readiness
     * check, so a full volume shows as not ready, and as ready again once everything is on disk.
     */
    public static HealthCheck reportVolume(io.batchjob.core.report.ReportStore store, java.util.function.IntSupplier unwrittenRecords) {
        return of("report-volume", () -> store.writeProblem().isEmpty() && unwrittenRecords.getAsInt() == 0, "writes to " + store.root());
    }

    /**
     * A server accepts connections on its port (connects over loopback when it listens on all
     * addresses).
     */
    public static HealthCheck listening(String name, String host, int port) {
        String target = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return of(name + "-listening", () -> {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(target, port), 500);
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        }, target + ":" + port);
    }

    /** A check from a condition. */
    public static HealthCheck of(String name, BooleanSupplier condition, String detail) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Status check() {
                return condition.getAsBoolean() ? Status.up(detail) : Status.down(detail);
            }
        };
    }
}

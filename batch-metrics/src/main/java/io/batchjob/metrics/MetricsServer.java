package io.batchjob.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves {@code /metrics} on its own port with prometheus-metrics' {@link MetricsHandler}
 * (Prometheus text or OpenMetrics by {@code Accept}, gzip when asked, {@code name[]} filters).
 * In front of it a strict gate: only the exact path {@code /metrics} (404 otherwise) and only
 * {@code GET}/{@code HEAD} (405 with {@code Allow} otherwise). At most {@value #THREADS} scrapes run
 * at once and {@value #QUEUE} wait; more connections are refused, so a flood of scrapes cannot
 * exhaust memory or threads.
 */
public final class MetricsServer implements AutoCloseable {

    public static final String PATH = "/metrics";
    static final int THREADS = 2;
    static final int QUEUE = 8;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;

    private MetricsServer(HttpServer server, ThreadPoolExecutor executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * @param host the address to bind ({@code 0.0.0.0} in a pod, {@code 127.0.0.1} in tests)
     * @param port the port, 0 for any free one
     */
    public static MetricsServer start(PrometheusRegistry registry, String host, int port) throws IOException {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "metrics-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
            server.createContext("/", new Gate(new MetricsHandler(registry)));
            server.setExecutor(executor);
            server.start();
            return new MetricsServer(server, executor);
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops accepting, lets running scrapes finish for up to a second, then stops the threads. */
    @Override
    public void close() {
        server.stop(1);
        io.batchjob.core.Shutdown.gracefully(executor, java.time.Duration.ofSeconds(5));
    }

    /** Lets only GET/HEAD of exactly /metrics through to the library's handler. */
    private record Gate(HttpHandler metrics) implements HttpHandler {
        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String path = exchange.getRequestURI().getRawPath();
                if (!PATH.equals(path)) {
                    reply(exchange, 404, "not found: metrics are served at " + PATH + "\n");
                    return;
                }
                String method = exchange.getRequestMethod();
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                    reply(exchange, 405, "method " + method + " is not allowed: use GET or HEAD\n");
                    return;
                }
                metrics.handle(exchange);
            }
        }

        private static void reply(HttpExchange exchange, int status, String text) throws IOException {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(status, exchange.getRequestMethod().equals("HEAD") ? -1 : body.length);
            if (!exchange.getRequestMethod().equals("HEAD")) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }
}

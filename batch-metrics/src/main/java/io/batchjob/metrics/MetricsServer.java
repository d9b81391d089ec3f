package io.batchjob.metrics;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.RequestLimitingHandler;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.concurrent.TimeUnit;

/**
 * Serves {@code /metrics} on its own port with prometheus-metrics' {@link PrometheusScrapeHandler}
 * (Prometheus text or OpenMetrics by {@code Accept}, gzip when asked, {@code name[]} filters).
 * In front of it a strict gate: only the exact path {@code /metrics} (404 otherwise) and only
 * {@code GET}/{@code HEAD} (405 with {@code Allow} otherwise).
 *
 * <p>Slow clients cannot block scrapes: Undertow reads request headers on its IO thread without
 * blocking (a slowloris connection holds no thread), and the finished exposition is written with
 * the asynchronous sender (a client that does not read holds no thread either, and is cut off
 * after 15 s without progress). {@value #THREADS} threads render; at most {@value #IN_FLIGHT}
 * scrapes are in progress and {@value #QUEUE} wait; more get 503 with {@code Retry-After}.
 */
public final class MetricsServer implements AutoCloseable {

    public static final String PATH = "/metrics";
    static final int THREADS = 2;
    /** Scrapes in progress, rendering or being sent; each holds its exposition in memory. */
    static final int IN_FLIGHT = 16;
    static final int QUEUE = 16;

    private final Undertow server;
    private final XnioWorker worker;
    private final int port;

    private MetricsServer(Undertow server, XnioWorker worker, int port) {
        this.server = server;
        this.worker = worker;
        this.port = port;
    }

    /**
     * @param host the address to bind ({@code 0.0.0.0} in a pod, {@code 127.0.0.1} in tests)
     * @param port the port, 0 for any free one
     */
    public static MetricsServer start(PrometheusRegistry registry, String host, int port) throws IOException {
        XnioWorker worker = Xnio.getInstance(MetricsServer.class.getClassLoader()).createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, 1)
                .set(Options.WORKER_TASK_CORE_THREADS, THREADS)
                .set(Options.WORKER_TASK_MAX_THREADS, THREADS)
                .set(Options.TCP_NODELAY, true)
                .set(Options.WORKER_NAME, "metrics-http")
                .getMap());
        try {
            PrometheusScrapeHandler scrape = new PrometheusScrapeHandler(registry);
            RequestLimitingHandler limited = new RequestLimitingHandler(IN_FLIGHT, QUEUE, new Gate(scrape));
            limited.getRequestLimit().setFailureHandler(exchange -> {
                exchange.getResponseHeaders().put(Headers.RETRY_AFTER, 1);
                reply(exchange, 503, "too many scrapes at once; retry in a second\n");
            });
            Undertow undertow = Undertow.builder()
                    .setWorker(worker)
                    .addHttpListener(port, host, limited)
                    .setServerOption(UndertowOptions.MAX_HEADER_SIZE, 16 * 1024)
                    .setServerOption(UndertowOptions.MAX_HEADERS, 100)
                    .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, 30_000)
                    .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 120_000)
                    // A client that stops reading its exposition loses the connection, and its slot.
                    .setSocketOption(Options.WRITE_TIMEOUT, 15_000)
                    .build();
            undertow.start();
            int bound = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
            return new MetricsServer(undertow, worker, bound);
        } catch (RuntimeException e) {
            worker.shutdownNow();
            throw e;
        }
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    /** Stops accepting, lets running scrapes finish for up to five seconds, then stops the threads. */
    @Override
    public void close() {
        server.stop();
        worker.shutdown();
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(HttpServerExchange exchange, int status, String text) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff");
        if (Methods.HEAD.equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            exchange.endExchange();
        } else {
            exchange.getResponseSender().send(text);
        }
    }

    /** Lets only GET/HEAD of exactly /metrics through to the library's handler, on a worker thread. */
    private record Gate(PrometheusScrapeHandler scrape) implements HttpHandler {
        @Override
        public void handleRequest(HttpServerExchange exchange) {
            // The raw path too: "/%6detrics" is not our path, whatever it decodes to.
            if (!PATH.equals(exchange.getRequestPath()) || !PATH.equals(exchange.getRequestURI())) {
                reply(exchange, 404, "not found: metrics are served at " + PATH + "\n");
                return;
            }
            if (!Methods.GET.equals(exchange.getRequestMethod()) && !Methods.HEAD.equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
                reply(exchange, 405, "method " + exchange.getRequestMethod() + " is not allowed: use GET or HEAD\n");
                return;
            }
            if (exchange.isInIoThread()) {
                exchange.dispatch(this::render); // rendering is CPU work: not on the IO thread
                return;
            }
            render(exchange);
        }

        private void render(HttpServerExchange exchange) {
            try (UndertowExchange adapter = new UndertowExchange(exchange)) {
                scrape.handleRequest(adapter);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * prometheus-metrics' view of an Undertow exchange. The body is collected and then sent
     * asynchronously: the worker thread is free while the client reads.
     */
    private static final class UndertowExchange implements PrometheusHttpExchange, PrometheusHttpRequest, PrometheusHttpResponse {
        private final HttpServerExchange exchange;
        private ByteArrayOutputStream body;

        UndertowExchange(HttpServerExchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public PrometheusHttpRequest getRequest() {
            return this;
        }

        @Override
        public PrometheusHttpResponse getResponse() {
            return this;
        }

        @Override
        public String getQueryString() {
            return exchange.getQueryString();
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            HeaderValues values = exchange.getRequestHeaders().get(name);
            return values == null ? Collections.emptyEnumeration() : Collections.enumeration(values);
        }

        @Override
        public String getMethod() {
            return exchange.getRequestMethod().toString();
        }

        @Override
        public String getRequestPath() {
            return exchange.getRequestPath();
        }

        @Override
        public String[] getParameterValues(String name) {
            Deque<String> values = exchange.getQueryParameters().get(name);
            return values == null ? null : values.toArray(String[]::new);
        }

        @Override
        public void setHeader(String name, String value) {
            exchange.getResponseHeaders().put(HttpString.tryFromString(name), value);
        }

        @Override
        public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
            exchange.setStatusCode(statusCode);
            if (contentLength > 0) {
                exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, contentLength);
            }
            body = new ByteArrayOutputStream(Math.max(contentLength, 1024));
            return body;
        }

        @Override
        public void handleException(IOException e) throws IOException {
            throw e;
        }

        @Override
        public void handleException(RuntimeException e) {
            throw e;
        }

        @Override
        public void close() {
            if (exchange.isResponseStarted()) {
                return;
            }
            if (body == null || Methods.HEAD.equals(exchange.getRequestMethod())) {
                exchange.endExchange();
            } else {
                exchange.getResponseSender().send(ByteBuffer.wrap(body.toByteArray()));
            }
        }
    }
}

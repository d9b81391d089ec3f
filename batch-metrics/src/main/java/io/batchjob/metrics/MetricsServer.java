package io.batchjob.metrics;

import io.batchjob.http.UndertowServer;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MetricNameFilter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.RequestLimitingHandler;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;

/**
 * Serves {@code /metrics} on its own port: Prometheus text or OpenMetrics by {@code Accept}
 * (negotiated, escaped and written as prometheus-metrics' scrape handler does; never protobuf,
 * which Prometheus only prefers when it may fall back to text), gzip when asked, {@code name[]}
 * filters. In front of it a strict gate: only the exact path {@code /metrics} (404 otherwise) and
 * only {@code GET}/{@code HEAD} (405 with {@code Allow} otherwise).
 *
 * <p>The exposition is streamed a chunk of {@value #CHUNK} bytes at a time ({@link Exposition}):
 * the registry's few metrics through the library's writer, the result series straight from
 * {@link ResultMetrics}' compact store, so a scrape's memory is a chunk, not the series count.
 *
 * <p>Slow clients cannot block scrapes: Undertow reads request headers on its IO thread without
 * blocking (a slowloris connection holds no thread), and each chunk is written with the
 * asynchronous sender, the next one rendered only when it went out (a client that does not read
 * holds no thread, is cut off after 15 s without progress, and after {@value #DEADLINE_SECONDS} s
 * in all). {@value #THREADS} threads render; at most {@value #IN_FLIGHT} scrapes are in progress
 * and {@value #QUEUE} wait; more get 503 with {@code Retry-After}.
 */
public final class MetricsServer implements AutoCloseable {

    public static final String PATH = "/metrics";
    static final int THREADS = 2;
    /** Scrapes in progress, rendering or being sent; each holds its exposition in memory. */
    static final int IN_FLIGHT = 16;
    static final int QUEUE = 16;
    /** Bytes rendered before a write. */
    static final int CHUNK = 64 * 1024;
    /** A scrape still running after this long loses its connection (a client that reads a byte now and then). */
    static final int DEADLINE_SECONDS = 120;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

    /** Open connections at most (Prometheus keeps one or two; see {@link UndertowServer.Limits#maxConnections()}). */
    public static final int MAX_CONNECTIONS = 64;

    private final UndertowServer server;

    private MetricsServer(UndertowServer server) {
        this.server = server;
    }

    /**
     * @param host the address to bind ({@code 0.0.0.0} in a pod, {@code 127.0.0.1} in tests)
     * @param port the port, 0 for any free one
     */
    public static MetricsServer start(PrometheusRegistry registry, String host, int port) throws IOException {
        return start(registry, null, host, port);
    }

    /**
     * @param results result metrics registered in {@code registry} whose series are streamed from
     *                their compact store (null: none; the registry's own snapshot of them is used)
     * @param host    the address to bind ({@code 0.0.0.0} in a pod, {@code 127.0.0.1} in tests)
     * @param port    the port, 0 for any free one
     */
    public static MetricsServer start(PrometheusRegistry registry, ResultMetrics results, String host, int port) throws IOException {
        RequestLimitingHandler limited = new RequestLimitingHandler(IN_FLIGHT, QUEUE,
                new Gate(registry, results == null ? null : results.series(), ExpositionFormats.init()));
        limited.getRequestLimit().setFailureHandler(exchange -> {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, 1);
            reply(exchange, 503, "too many scrapes at once; retry in a second\n");
        });
        // A client that stops reading its exposition loses the connection, and its slot.
        return new MetricsServer(UndertowServer.start("metrics", host, port, limited,
                UndertowServer.Limits.threads(THREADS).withMaxConnections(MAX_CONNECTIONS).withWriteTimeout(15_000)));
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** Stops accepting, lets running scrapes finish for up to five seconds, then stops the threads. */
    @Override
    public void close() {
        server.close();
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

    /** Lets only GET/HEAD of exactly /metrics through to the rendering, on a worker thread. */
    private record Gate(PrometheusRegistry registry, ResultSeries results, ExpositionFormats formats) implements HttpHandler {
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
            String accept = exchange.getRequestHeaders().getFirst(Headers.ACCEPT);
            ExpositionFormatWriter writer = writer(accept);
            EscapingScheme escaping = EscapingScheme.fromAcceptHeader(accept, EscapingScheme.DEFAULT);
            Predicate<String> names = nameFilter(exchange.getQueryParameters().get("name[]"));
            Set<String> streamed = results == null ? Set.of() : results.names();
            List<ResultSeries.FamilyView> families = results == null ? List.of()
                    : results.view().stream().filter(f -> names.test(f.family().name)).toList();
            Exposition exposition = new Exposition(writer, escaping,
                    registry.scrape(name -> !streamed.contains(name) && names.test(name)), families);
            boolean gzip = acceptsGzip(exchange.getRequestHeaders().get(Headers.ACCEPT_ENCODING));
            exchange.setStatusCode(200);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, writer.getContentType());
            if (gzip) {
                exchange.getResponseHeaders().put(Headers.CONTENT_ENCODING, "gzip");
            }
            if (Methods.HEAD.equals(exchange.getRequestMethod())) {
                exchange.endExchange();
                return;
            }
            exchange.getIoThread().executeAfter(() -> {
                if (!exchange.isComplete()) {
                    LOG.warn("a scrape from {} took more than {} s; closing its connection", exchange.getSourceAddress(), DEADLINE_SECONDS);
                    IoUtils.safeClose(exchange.getConnection());
                }
            }, DEADLINE_SECONDS, TimeUnit.SECONDS);
            new Stream(exchange, exposition, gzip).run();
        }

        /** As the library negotiates, but text formats only: the result series are streamed as text. */
        private ExpositionFormatWriter writer(String accept) {
            ExpositionFormatWriter w = formats.findWriter(accept);
            if (w instanceof PrometheusTextFormatWriter || w.getClass() == OpenMetricsTextFormatWriter.class) {
                return w;
            }
            return accept != null && accept.contains("application/openmetrics-text")
                    ? formats.getOpenMetricsTextFormatWriter() : formats.getPrometheusTextFormatWriter();
        }

        private static Predicate<String> nameFilter(Deque<String> requested) {
            return requested == null || requested.isEmpty() ? name -> true
                    : MetricNameFilter.builder().nameMustBeEqualTo(requested).build();
        }

        /** As the library: a {@code gzip} element of Accept-Encoding. */
        private static boolean acceptsGzip(HeaderValues acceptEncoding) {
            if (acceptEncoding == null) {
                return false;
            }
            for (String value : acceptEncoding) {
                for (String encoding : value.split(",")) {
                    if (encoding.trim().equalsIgnoreCase("gzip")) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /**
     * Sends an exposition a chunk at a time: render a chunk on a worker thread, hand it to the
     * asynchronous sender, render the next when it was written. No thread waits for the client.
     */
    private static final class Stream implements Runnable, IoCallback {
        private final HttpServerExchange exchange;
        private final Exposition exposition;
        private final Exposition.Sink text = new Exposition.Sink(CHUNK + 4096);
        private final Exposition.Sink compressed;
        private final GZIPOutputStream gzip;
        private boolean last;

        Stream(HttpServerExchange exchange, Exposition exposition, boolean gzip) {
            this.exchange = exchange;
            this.exposition = exposition;
            if (gzip) {
                compressed = new Exposition.Sink(CHUNK / 4);
                try {
                    this.gzip = new GZIPOutputStream(new OutputStream() {
                        @Override
                        public void write(int b) {
                            compressed.write(b);
                        }

                        @Override
                        public void write(byte[] b, int off, int len) {
                            compressed.write(b, off, len);
                        }
                    }, 8192);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                compressed = null;
                this.gzip = null;
            }
        }

        @Override
        public void run() {
            try {
                ByteBuffer out;
                do {
                    text.reset();
                    last = !exposition.fill(text, CHUNK);
                    if (gzip == null) {
                        out = ByteBuffer.wrap(text.array(), 0, text.size());
                    } else {
                        gzip.write(text.array(), 0, text.size()); // after the gzip header, on the first chunk
                        if (last) {
                            gzip.finish();
                        }
                        out = ByteBuffer.wrap(compressed.array(), 0, compressed.size());
                    }
                } while (!out.hasRemaining() && !last);
                exchange.getResponseSender().send(out, this);
            } catch (IOException | RuntimeException e) {
                LOG.warn("rendering /metrics failed; closing the connection: {}", e.toString());
                IoUtils.safeClose(exchange.getConnection());
            }
        }

        @Override
        public void onComplete(HttpServerExchange exchange, Sender sender) {
            if (compressed != null) {
                compressed.reset(); // sent
            }
            if (last) {
                exchange.endExchange();
            } else {
                // Possibly on the IO thread, possibly within send() (then inside our own dispatched call): dispatch
                // renders the next chunk on a worker after that call returns, never recursively, and keeps
                // Undertow from ending an exchange that is between two chunks.
                exchange.dispatch(this);
            }
        }

        @Override
        public void onException(HttpServerExchange exchange, Sender sender, IOException exception) {
            IoUtils.safeClose(exchange.getConnection());
        }
    }
}

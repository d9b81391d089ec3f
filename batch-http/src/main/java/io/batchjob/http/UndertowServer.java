package io.batchjob.http;

import io.undertow.UndertowOptions;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * One Undertow listener with graceful shutdown and bounded threads. In the controller each server
 * has a worker of its own ({@link #start(String, String, int, HttpHandler, Limits)}): a flood on one
 * port (slow uploads, slow downloads) cannot take the threads of another (callbacks, health).
 * Tests and benchmarks may share one worker ({@link #newWorker}).
 *
 * <p>Headers must arrive within {@code REQUEST_PARSE_TIMEOUT}; Undertow parses them on its IO
 * thread, so a slow sender of headers holds no worker at all. Bodies read by blocking handlers get
 * an idle timeout from {@link IdleTimeoutBlocking} (not from XNIO's {@code READ_TIMEOUT}, which
 * closes the connection from the IO thread under a worker that is reading it).
 */
public final class UndertowServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UndertowServer.class);

    private final String name;
    private final AcceptingChannel<StreamConnection> channel;
    private final HttpOpenListener open;
    private final DefaultByteBufferPool buffers;
    private final ConnectionCap cap;
    private final GracefulShutdownHandler graceful;
    private final int port;
    /** The worker this server created and stops, or null when it shares one it does not own. */
    private final XnioWorker ownWorker;

    private UndertowServer(String name, AcceptingChannel<StreamConnection> channel, HttpOpenListener open, DefaultByteBufferPool buffers,
                           ConnectionCap cap, GracefulShutdownHandler graceful, int port, XnioWorker ownWorker) {
        this.name = name;
        this.channel = channel;
        this.open = open;
        this.buffers = buffers;
        this.cap = cap;
        this.graceful = graceful;
        this.port = port;
        this.ownWorker = ownWorker;
    }

    /**
     * A worker shared by the servers: {@code ioThreads} non-blocking threads and a fixed pool of
     * {@code workerThreads} for blocking handlers.
     */
    public static XnioWorker newWorker(int ioThreads, int workerThreads) {
        return newWorker("http", ioThreads, workerThreads);
    }

    private static XnioWorker newWorker(String name, int ioThreads, int workerThreads) {
        try {
            return Xnio.getInstance(UndertowServer.class.getClassLoader()).createWorker(OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.WORKER_TASK_CORE_THREADS, workerThreads)
                    .set(Options.WORKER_TASK_MAX_THREADS, workerThreads)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.WORKER_NAME, name)
                    .getMap());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start HTTP worker threads", e);
        }
    }

    /** Query parameters or multipart parts one request may carry; more is a 400. */
    static final int MAX_PARAMETERS = 100;

    /**
     * What one server allows.
     *
     * @param workerThreads threads for blocking handlers (for a server with a worker of its own)
     * @param maxEntitySize the largest request body any of its endpoints accepts; endpoints may
     *                      lower it per request. Set on the listener because Undertow fixes the
     *                      limit of a chunked body when the request starts: a per-request raise
     *                      does not apply to chunked uploads.
     * @param maxConnections connections open at once; beyond, the oldest idle one is closed
     *                      ({@link ConnectionCap}), so a flood on one port costs at most this many
     *                      file descriptors and never closes another port
     * @param writeTimeoutMillis a connection whose writes make no progress this long is closed (0: never)
     */
    public record Limits(int workerThreads, long maxEntitySize, int maxConnections, int writeTimeoutMillis) {

        /** Undertow's own default body limit. */
        public static final long DEFAULT_MAX_ENTITY_SIZE = 2L << 20;
        /** Open connections a listener keeps by default (see {@link ConnectionCap}). */
        public static final int DEFAULT_MAX_CONNECTIONS = 256;

        public Limits {
            if (workerThreads < 1 || maxEntitySize < 1 || maxConnections < 1 || writeTimeoutMillis < 0) {
                throw new IllegalArgumentException("workerThreads, maxEntitySize and maxConnections must be positive, writeTimeoutMillis not negative");
            }
        }

        /** {@code workerThreads} threads, {@link #DEFAULT_MAX_ENTITY_SIZE}, {@link #DEFAULT_MAX_CONNECTIONS}. */
        public static Limits threads(int workerThreads) {
            return new Limits(workerThreads, DEFAULT_MAX_ENTITY_SIZE, DEFAULT_MAX_CONNECTIONS, 0);
        }

        public Limits withMaxEntitySize(long bytes) {
            return new Limits(workerThreads, bytes, maxConnections, writeTimeoutMillis);
        }

        /** At most {@code connections} open at once: beyond, the oldest idle one is closed (see {@link ConnectionCap}). */
        public Limits withMaxConnections(int connections) {
            return new Limits(workerThreads, maxEntitySize, connections, writeTimeoutMillis);
        }

        /** A connection whose writes make no progress for this long is closed (0: never). */
        public Limits withWriteTimeout(int millis) {
            return new Limits(workerThreads, maxEntitySize, maxConnections, millis);
        }
    }

    /**
     * @param name   for logs, e.g. {@code callback}
     * @param host   address to bind ({@code 0.0.0.0} in a pod, {@code 127.0.0.1} in tests)
     * @param port   port, 0 for any free one
     * @param worker the shared worker
     */
    public static UndertowServer start(String name, String host, int port, HttpHandler handler, XnioWorker worker) {
        return start(name, host, port, handler, worker, Limits.threads(1));
    }

    /** On a shared worker, with these limits ({@code workerThreads} is the worker's business). */
    public static UndertowServer start(String name, String host, int port, HttpHandler handler, XnioWorker worker, Limits limits) {
        return start(name, host, port, handler, worker, limits, null);
    }

    /**
     * A server with a worker of its own: one IO thread and {@code limits.workerThreads()} threads
     * for blocking handlers, stopped with the server.
     */
    public static UndertowServer start(String name, String host, int port, HttpHandler handler, Limits limits) {
        XnioWorker worker = newWorker(name + "-http", 1, limits.workerThreads());
        try {
            return start(name, host, port, handler, worker, limits, worker);
        } catch (RuntimeException e) {
            worker.shutdownNow();
            throw e;
        }
    }

    private static UndertowServer start(String name, String host, int port, HttpHandler handler, XnioWorker worker,
                                        Limits limits, XnioWorker owned) {
        GracefulShutdownHandler graceful = new GracefulShutdownHandler(handler);
        OptionMap undertowOptions = OptionMap.builder()
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
                .set(UndertowOptions.MAX_ENTITY_SIZE, limits.maxEntitySize())
                // Paths are decoded once by Undertow; an encoded '/' never becomes a separator.
                .set(UndertowOptions.ALLOW_ENCODED_SLASH, false)
                .set(UndertowOptions.MAX_HEADER_SIZE, 16 * 1024)
                .set(UndertowOptions.MAX_PARAMETERS, MAX_PARAMETERS)
                .set(UndertowOptions.MAX_HEADERS, 100)
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, 30_000)
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, 120_000)
                .set(UndertowOptions.IDLE_TIMEOUT, 300_000)
                .getMap();
        OptionMap socketOptions = OptionMap.builder()
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BALANCING_TOKENS, 1)
                .set(Options.BALANCING_CONNECTIONS, 2)
                .set(Options.BACKLOG, 1000)
                .set(Options.WRITE_TIMEOUT, limits.writeTimeoutMillis())
                .getMap();
        // Undertow's own listener wiring (Undertow.start), with the accept step ours: it caps the connections.
        DefaultByteBufferPool buffers = new DefaultByteBufferPool(true, 16 * 1024, -1, 4);
        HttpOpenListener open = new HttpOpenListener(buffers, undertowOptions);
        ConnectionCap cap = new ConnectionCap(name, limits.maxConnections(), open);
        open.setRootHandler(cap.track(graceful));
        try {
            AcceptingChannel<StreamConnection> channel = worker.createStreamConnectionServer(new InetSocketAddress(host, port), cap, socketOptions);
            channel.resumeAccepts();
            int bound = channel.getLocalAddress(InetSocketAddress.class).getPort();
            LOG.info("{} server listening on {}:{} (at most {} connections)", name, host, bound, limits.maxConnections());
            return new UndertowServer(name, channel, open, buffers, cap, graceful, bound, owned);
        } catch (IOException e) {
            buffers.close();
            throw new UncheckedIOException(name + " server cannot listen on " + host + ":" + port, e);
        }
    }

    public int port() {
        return port;
    }

    public String name() {
        return name;
    }

    /** Connections open on this listener now. */
    public int openConnections() {
        return cap.open();
    }

    /** Idle connections closed to make room under the cap, since start. */
    public long evictedConnections() {
        return cap.evicted();
    }

    /** Stops accepting new requests, lets running ones finish (up to 5 s), then closes the listener. */
    @Override
    public void close() {
        graceful.shutdown();
        try {
            if (!graceful.awaitShutdown(5_000)) {
                LOG.warn("{} server: requests still running after 5 s; closing anyway", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IoUtils.safeClose(channel);
        open.closeConnections();
        buffers.close();
        if (ownWorker != null) {
            ownWorker.shutdown();
            try {
                if (!ownWorker.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    ownWorker.shutdownNow();
                }
            } catch (InterruptedException e) {
                ownWorker.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}

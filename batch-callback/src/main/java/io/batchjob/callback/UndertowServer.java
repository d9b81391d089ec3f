package io.batchjob.callback;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

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
    private final Undertow undertow;
    private final GracefulShutdownHandler graceful;
    private final int port;
    /** The worker this server created and stops, or null when it shares one it does not own. */
    private final XnioWorker ownWorker;

    private UndertowServer(String name, Undertow undertow, GracefulShutdownHandler graceful, int port, XnioWorker ownWorker) {
        this.name = name;
        this.undertow = undertow;
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
     */
    public record Limits(int workerThreads, long maxEntitySize) {

        /** Undertow's own default body limit. */
        public static final long DEFAULT_MAX_ENTITY_SIZE = 2L << 20;

        public Limits {
            if (workerThreads < 1 || maxEntitySize < 1) {
                throw new IllegalArgumentException("workerThreads and maxEntitySize must be positive");
            }
        }

        /** {@code workerThreads} threads, {@link #DEFAULT_MAX_ENTITY_SIZE}. */
        public static Limits threads(int workerThreads) {
            return new Limits(workerThreads, DEFAULT_MAX_ENTITY_SIZE);
        }

        public Limits withMaxEntitySize(long bytes) {
            return new Limits(workerThreads, bytes);
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
        Undertow undertow = Undertow.builder()
                .setWorker(worker)
                .addHttpListener(port, host, graceful)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, limits.maxEntitySize())
                // Paths are decoded once by Undertow; an encoded '/' never becomes a separator.
                .setServerOption(UndertowOptions.ALLOW_ENCODED_SLASH, false)
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, 16 * 1024)
                .setServerOption(UndertowOptions.MAX_PARAMETERS, MAX_PARAMETERS)
                .setServerOption(UndertowOptions.MAX_HEADERS, 100)
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, 30_000)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 120_000)
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, 300_000)
                .build();
        undertow.start();
        int bound = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
        LOG.info("{} server listening on {}:{}", name, host, bound);
        return new UndertowServer(name, undertow, graceful, bound, owned);
    }

    public int port() {
        return port;
    }

    public String name() {
        return name;
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
        undertow.stop();
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

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
 * One Undertow listener with graceful shutdown. Several servers share one {@link XnioWorker}
 * ({@link #newWorker}) so the thread count is fixed however many ports are served.
 */
public final class UndertowServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UndertowServer.class);

    private final String name;
    private final Undertow undertow;
    private final GracefulShutdownHandler graceful;
    private final int port;

    private UndertowServer(String name, Undertow undertow, GracefulShutdownHandler graceful, int port) {
        this.name = name;
        this.undertow = undertow;
        this.graceful = graceful;
        this.port = port;
    }

    /**
     * A worker shared by the servers: {@code ioThreads} non-blocking threads and a fixed pool of
     * {@code workerThreads} for blocking handlers.
     */
    public static XnioWorker newWorker(int ioThreads, int workerThreads) {
        try {
            return Xnio.getInstance(UndertowServer.class.getClassLoader()).createWorker(OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.WORKER_TASK_CORE_THREADS, workerThreads)
                    .set(Options.WORKER_TASK_MAX_THREADS, workerThreads)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.WORKER_NAME, "http")
                    .getMap());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start HTTP worker threads", e);
        }
    }

    /** Query parameters or multipart parts one request may carry; more is a 400. */
    static final int MAX_PARAMETERS = 100;

    /**
     * @param name   for logs, e.g. {@code callback}
     * @param host   address to bind ({@code 0.0.0.0} in a pod, {@code 127.0.0.1} in tests)
     * @param port   port, 0 for any free one
     * @param worker the shared worker
     */
    public static UndertowServer start(String name, String host, int port, HttpHandler handler, XnioWorker worker) {
        GracefulShutdownHandler graceful = new GracefulShutdownHandler(handler);
        Undertow undertow = Undertow.builder()
                .setWorker(worker)
                .addHttpListener(port, host, graceful)
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
        return new UndertowServer(name, undertow, graceful, bound);
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
    }
}

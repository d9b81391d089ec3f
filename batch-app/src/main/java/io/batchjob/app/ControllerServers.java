package io.batchjob.app;

import io.batchjob.core.config.ControllerConfig;
import io.batchjob.http.PlainText;
import io.batchjob.http.UndertowServer;
import io.batchjob.http.callback.CallbackSettings;
import io.batchjob.http.health.HealthEndpoints;
import io.batchjob.http.report.ReportServer;
import io.batchjob.metrics.MetricsServer;
import io.batchjob.metrics.ResultMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.undertow.server.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The controller's four HTTP servers, started in the order the start needs them: health first
 * ({@code /healthz} answers while the rest starts), the callback port bound next (its port goes into
 * the jobs' environment before the callback API exists: until {@link #serveCallbacks} it answers 503
 * "starting"), then reports and metrics. Each has threads of its own: slow downloads or a flood of
 * callbacks never starve {@code /healthz}, or each other. Closed in reverse order, each gracefully.
 *
 * <p>Threading: started and closed by the controller's start/stop thread; the ports are read from
 * any thread once started.
 */
final class ControllerServers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerServers.class);
    /** Listings and the start of downloads; a download in progress holds no thread. */
    static final int REPORT_THREADS = 4;
    static final int HEALTH_THREADS = 2;
    /**
     * Open connections per port (see {@link UndertowServer.Limits#maxConnections()}): 1,024 + 256 +
     * 64 + 64 {@link MetricsServer#MAX_CONNECTIONS} stay far below the usual open-file limit of
     * 4,096 however many sockets a flood opens, so the Kubernetes client and the report files keep theirs.
     */
    static final int CALLBACK_CONNECTIONS = 1_024;
    static final int REPORT_CONNECTIONS = 256;
    static final int HEALTH_CONNECTIONS = 64;

    private final Listen listen;
    private final ControllerConfig config;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final AtomicReference<HttpHandler> callbackApi = new AtomicReference<>();
    private volatile UndertowServer health;
    private volatile UndertowServer callback;
    private volatile UndertowServer report;
    private volatile MetricsServer metrics;

    private ControllerServers(Listen listen, ControllerConfig config) {
        this.listen = listen;
        this.config = config;
    }

    /** Starts the health server: the first part of the controller that answers. */
    static ControllerServers startHealth(Listen listen, ControllerConfig config, HealthEndpoints checks) {
        ControllerServers servers = new ControllerServers(listen, config);
        servers.health = servers.own(UndertowServer.start("health", listen.host(), port(listen.healthPort(), config.healthProbePort()),
                checks.handler(), UndertowServer.Limits.threads(HEALTH_THREADS).withMaxConnections(HEALTH_CONNECTIONS)));
        return servers;
    }

    /** Binds the callback port; requests get 503 "starting" until {@link #serveCallbacks}. */
    void bindCallbacks(boolean devMode) {
        callback = own(UndertowServer.start("callback", listen.host(), port(listen.callbackPort(), config.callbackServicePort()),
                exchange -> {
                    HttpHandler api = callbackApi.get();
                    if (api == null) {
                        exchange.getResponseHeaders().put(io.undertow.util.Headers.RETRY_AFTER, "1");
                        PlainText.send(exchange, 503, "starting");
                    } else {
                        api.handleRequest(exchange);
                    }
                }, UndertowServer.Limits.threads(CallbackSettings.DEFAULT_MAX_CONCURRENT + 2)
                        .withMaxEntitySize(CallbackSettings.of(config, devMode).maxBodySize()).withMaxConnections(CALLBACK_CONNECTIONS)));
    }

    /** From now on the callback port serves {@code api}. */
    void serveCallbacks(HttpHandler api) {
        if (!callbackApi.compareAndSet(null, java.util.Objects.requireNonNull(api))) {
            throw new IllegalStateException("the callback API is served already");
        }
    }

    /** Starts the report server and reads the history for the dashboard beside the rest of the start. */
    void startReports(ReportServer reports) {
        report = own(UndertowServer.start("report", listen.host(), port(listen.reportPort(), config.reportServerPort()),
                reports.handler(), UndertowServer.Limits.threads(REPORT_THREADS).withMaxConnections(REPORT_CONNECTIONS)));
        // The dashboard's first view need not parse the whole history: read it once now.
        Thread warmUp = new Thread(() -> {
            try {
                reports.warmUp();
            } catch (RuntimeException e) {
                LOG.warn("reading the report history for the dashboard failed: {}", e.toString());
            }
        }, "dashboard-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    void startMetrics(PrometheusRegistry registry, ResultMetrics results) throws IOException {
        metrics = own(MetricsServer.start(registry, results, listen.host(), port(listen.metricsPort(), config.metrics().port())));
    }

    /** Readiness: each started server other than health accepts connections. */
    void addReadiness(HealthEndpoints checks) {
        if (callback != null) {
            checks.addReadiness(HealthEndpoints.listening("callback", listen.host(), callback.port()));
        }
        if (report != null) {
            checks.addReadiness(HealthEndpoints.listening("report", listen.host(), report.port()));
        }
        if (metrics != null) {
            checks.addReadiness(HealthEndpoints.listening("metrics", listen.host(), metrics.port()));
        }
    }

    int healthPort() {
        return health.port();
    }

    int callbackPort() {
        return callback.port();
    }

    int reportPort() {
        return report.port();
    }

    int metricsPort() {
        return metrics.port();
    }

    private <T extends AutoCloseable> T own(T server) {
        started.push(server);
        return server;
    }

    private static int port(Integer override, int configured) {
        return override != null ? override : configured;
    }

    /** Closes the servers in reverse start order, each letting its requests finish (up to 5 s). */
    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable server = started.pop();
            try {
                server.close();
            } catch (Exception e) {
                LOG.warn("stopping a server failed: {}", e.toString());
            }
        }
    }
}

package io.batchjob.app;

import io.batchjob.core.BuildInfo;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.ExecutionProgress;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.schedule.ExecutorTaskTimer;
import io.batchjob.core.schedule.TriggerScheduler;
import io.batchjob.http.UndertowServer;
import io.batchjob.http.callback.CallbackApi;
import io.batchjob.http.callback.CallbackRelay;
import io.batchjob.http.callback.CallbackSettings;
import io.batchjob.http.health.HealthEndpoints;
import io.batchjob.http.report.ReportServer;
import io.batchjob.k8s.CallbackHost;
import io.batchjob.k8s.ConfigMapConfigSource;
import io.batchjob.k8s.ConfigMapControl;
import io.batchjob.k8s.ConfigMapEvents;
import io.batchjob.k8s.ConfigMapWatch;
import io.batchjob.k8s.JobPodFactory;
import io.batchjob.k8s.KubernetesEventPublisher;
import io.batchjob.k8s.KubernetesJobBackend;
import io.batchjob.k8s.KubernetesNodeSource;
import io.batchjob.k8s.Leadership;
import io.batchjob.k8s.LeaseLeaderAddress;
import io.batchjob.k8s.OwnerLookup;
import io.batchjob.metrics.ControllerMetrics;
import io.batchjob.metrics.MetricsServer;
import io.batchjob.metrics.ResultMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.undertow.server.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one place that knows every module: loads the config from the ConfigMap, starts the pod watch,
 * the four servers (report, callback, health, metrics), the engine, the schedule and leader
 * election, and stops them in reverse order. Only the leader (or every controller in DEV_MODE)
 * triggers and dispatches.
 */
public final class Controller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    /** How long a pod may fail to start (image pull errors, unschedulable) before its job is given up. */
    static final Duration START_GRACE = Duration.ofMinutes(2);
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

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    /** The config in force (replaced by a live reload). */
    private volatile ControllerConfig config;
    /** Set once during the start; read by the metrics' gauges from scrape threads. */
    private volatile ExecutionEngine engine;
    private KubernetesJobBackend backend;
    private UndertowServer reportServer;
    private UndertowServer callbackServer;
    private UndertowServer healthServer;
    private MetricsServer metricsServer;
    private Leadership leadership;
    private ConfigMapWatch configMapWatch;
    private volatile TriggerScheduler scheduler;
    private volatile io.batchjob.http.report.ControllerInfo.ConfigChange lastConfigChange;
    private final java.util.concurrent.CompletableFuture<Void> leading = new java.util.concurrent.CompletableFuture<>();
    private final String host;

    private Controller(String host) {
        this.host = host;
    }

    /**
     * Starts everything; on failure, stops what was started and rethrows.
     *
     * @param client a client for the cluster (owned by the caller)
     */
    public static Controller start(ControllerEnvironment env, KubernetesClient client, Listen listen, Clock clock) {
        Controller c = new Controller(listen.host());
        try {
            c.startAll(env, client, listen, clock);
            return c;
        } catch (RuntimeException | IOException e) {
            c.close();
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("cannot start: " + e.getMessage(), e);
        }
    }

    private void startAll(ControllerEnvironment env, KubernetesClient client, Listen listen, Clock clock) throws IOException {
        LoadedConfig loaded = ConfigMapConfigSource.load(client, env.namespace(), env.configMapName());
        ControllerConfig cfg = loaded.config();
        if (env.reportDirectory().isPresent()) {
            cfg = cfg.toBuilder().reportDirectory(env.reportDirectory().get()).build();
            LOG.info("report directory {} (REPORT_DIRECTORY overrides reportDirectory)", cfg.reportDirectory());
        }
        this.config = cfg;
        ReportStore store = new ReportStore(cfg.reportDirectory(), cfg.reportFileMode());
        // Health first: /healthz answers while the informer syncs and the kept executions are replayed (which can take a
        // while with a long history), so a liveness probe never kills a controller that is still starting.
        java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
        HealthEndpoints health = new HealthEndpoints()
                .addLiveness(HealthEndpoints.reportDirectory(store.root()))
                .addReadiness(HealthEndpoints.of("started", started::get, "pod watch, metrics of the kept executions, servers"));
        healthServer = own(UndertowServer.start("health", listen.host(), port(listen.healthPort(), cfg.healthProbePort()),
                health.handler(), UndertowServer.Limits.threads(HEALTH_THREADS).withMaxConnections(HEALTH_CONNECTIONS)));

        String callbackHost = CallbackHost.resolve(client, env.namespace(), env.podIp().orElse(null), cfg.callbackServiceName());
        io.fabric8.kubernetes.api.model.OwnerReference owner = OwnerLookup.topLevelOwner(client, env.namespace(), env.hostname()).orElse(null);
        JobPodFactory factory = new JobPodFactory(cfg, loaded.podTemplate(), env.namespace(), owner);
        backend = own(new KubernetesJobBackend(client, env.namespace(), cfg.name(), factory, START_GRACE, cfg.savePodLog() ? store : null));
        backend.start(Duration.ofSeconds(60));

        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        ResultMetrics resultMetrics = new ResultMetrics(cfg, registry, BuildInfo.version());
        // The series of the executions kept in the history, as before the restart.
        PublishedExecutions published = new PublishedExecutions(store, cfg.metrics().prefix(), resultMetrics);
        int replayed = published.replay(cfg.budgets().maxSeriesInMemory());
        LOG.info("result metrics of {} kept executions restored from {}", replayed, store.root());
        ControllerMetrics controllerMetrics = new ControllerMetrics(registry, this::jobsInFlight, this::longestTriggerInterval);
        // Alerts on "no execution ended lately" and "a node keeps failing" must not reset with a restart.
        controllerMetrics.restore(store.executionIds().stream()
                .flatMap(id -> store.readJson(id, ExecutionEngine.SUMMARY_FILE, io.batchjob.core.spi.ExecutionSummary.class).stream())
                .toList());

        // Each server has threads of its own: slow downloads or a flood of callbacks never starve /healthz (or each other).
        // The callback port must be known before the engine builds job environments: bind first.
        // Until the callback API is built (it needs the engine, which needs the bound port), requests get 503 "starting".
        java.util.concurrent.atomic.AtomicReference<HttpHandler> callbackApi = new java.util.concurrent.atomic.AtomicReference<>();
        callbackServer = own(UndertowServer.start("callback", listen.host(), port(listen.callbackPort(), cfg.callbackServicePort()),
                exchange -> {
                    HttpHandler api = callbackApi.get();
                    if (api == null) {
                        exchange.setStatusCode(503);
                        exchange.getResponseSender().send("starting\n");
                    } else {
                        api.handleRequest(exchange);
                    }
                }, UndertowServer.Limits.threads(CallbackSettings.DEFAULT_MAX_CONCURRENT + 2)
                        .withMaxEntitySize(CallbackSettings.of(cfg, env.devMode()).maxBodySize()).withMaxConnections(CALLBACK_CONNECTIONS)));

        JobEnvironment jobEnvironment = new JobEnvironment(env.namespace(), new CallbackEndpoint(callbackHost, callbackServer.port()),
                cfg.callbackAuth(), List.of());
        // A template the API server would reject stops the start, as any other configuration error.
        factory.verifyWithServer(client, "ConfigMap " + env.namespace() + "/" + env.configMapName(),
                jobEnvironment.build(JobPodFactory.SAMPLE_EXECUTION, JobPodFactory.SAMPLE_NODE, "sample-secret"));

        ExecutorTaskTimer timer = own(new ExecutorTaskTimer(1, "batch-timer"));
        KubernetesNodeSource nodeSource = new KubernetesNodeSource(client, cfg.jobNodeSelector(), cfg.runOnUnscheduledNodes());
        // One publisher for every Event the controller creates: about job pods (callbacks) and about its ConfigMap.
        KubernetesEventPublisher events = new KubernetesEventPublisher(client, env.namespace(), cfg.name(), env.hostname(), clock);
        ConfigMapEvents configMapEvents = own(new ConfigMapEvents(events, env.namespace(), env.configMapName()));
        engine = own(ExecutionEngine.builder()
                .config(cfg)
                .nodeSource(nodeSource)
                .backend(backend)
                .reportStore(store)
                .jobEnvironment(jobEnvironment)
                .listener(resultMetrics)
                .listener(published)
                .resultFootprint(resultMetrics)
                .listener(controllerMetrics)
                .listener(configMapEvents)
                // A new leader with a report volume of its own adopts the running execution from the API.
                .handover(env.devMode() ? io.batchjob.core.spi.ExecutionHandover.NONE
                        : new io.batchjob.k8s.ConfigMapHandover(client, env.namespace(), cfg.name(), owner, store.json()))
                .clock(clock)
                .timer(timer)
                .build());
        // Every replica takes callbacks (the callback Service selects them all); one that does not lead relays to the leader.
        LeaseLeaderAddress leaderAddress = env.devMode() ? null
                : own(new LeaseLeaderAddress(client, env.namespace(), cfg.leaseName(), env.hostname(), clock));
        callbackApi.set(new CallbackApi(engine, store, events, CallbackSettings.of(cfg, env.devMode()), controllerMetrics,
                leaderAddress == null ? null : new CallbackRelay(leaderAddress, cfg.callbackRelayWait(),
                        () -> store.fence().refusal().isEmpty() && engine.isDispatching())).handler());

        ReportServer reports = new ReportServer(store, engine.status(), this::controllerInfo);
        reportServer = own(UndertowServer.start("report", listen.host(), port(listen.reportPort(), cfg.reportServerPort()),
                reports.handler(), UndertowServer.Limits.threads(REPORT_THREADS).withMaxConnections(REPORT_CONNECTIONS)));
        // The dashboard's first view need not parse the whole history: read it once now, beside the start.
        Thread warmUp = new Thread(() -> {
            try {
                reports.warmUp();
            } catch (RuntimeException e) {
                LOG.warn("reading the report history for the dashboard failed: {}", e.toString());
            }
        }, "dashboard-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        metricsServer = own(MetricsServer.start(registry, resultMetrics, listen.host(), port(listen.metricsPort(), cfg.metrics().port())));
        health.addReadiness(HealthEndpoints.of("config", () -> true, "ConfigMap " + env.namespace() + "/" + env.configMapName()))
                .addReadiness(HealthEndpoints.of("pod-watch", backend::hasSynced, "informer on the job pods"))
                // A full volume: results get 500 and records wait in memory; not ready until both are over.
                .addReadiness(HealthEndpoints.reportVolume(store, engine::unwrittenRecords))
                .addReadiness(HealthEndpoints.listening("callback", listen.host(), callbackServer.port()))
                .addReadiness(HealthEndpoints.listening("report", listen.host(), reportServer.port()))
                .addReadiness(HealthEndpoints.listening("metrics", listen.host(), metricsServer.port()));

        TriggerScheduler scheduler = own(new TriggerScheduler(cfg.schedule().orElse(null), cfg.suspend(), cfg.runOnStartup(),
                cfg.startupDelay(), clock, timer, cause -> trigger(engine, cause)));
        this.scheduler = scheduler;
        // Operator requests (kubectl annotate) on the ConfigMap; only the leader acts on them.
        ConfigMapControl control = own(new ConfigMapControl(client, env.namespace(), env.configMapName(), engine, configMapEvents));
        ConfigReload reload = own(configReload(env, client, loaded, cfg, owner, jobEnvironment, resultMetrics, nodeSource, scheduler,
                configMapEvents, controllerMetrics));
        configMapWatch = own(ConfigMapWatch.start(client, env.namespace(), env.configMapName(),
                List.of(control::onConfigMap, reload::onConfigMap)));
        leadership = own(Leadership.of(env.devMode(), client, env.namespace(), cfg, env.hostname(),
                () -> {
                    if (!env.devMode()) {
                        configMapEvents.leadershipAcquired(config.leaseName(), env.hostname(), owner);
                        callbackAddress(env, client).ifPresentOrElse(leaderAddress::publish, () -> LOG.warn(
                                "neither POD_IP nor this controller's pod gives its IP: other replicas cannot relay callbacks to it"));
                    }
                    // What other replicas ran while this one was a standby (a shared report directory).
                    published.replay(config.budgets().maxSeriesInMemory());
                    engine.activate();
                    scheduler.start();
                    control.leadershipGained();
                    leading.complete(null);
                },
                () -> {
                    scheduler.stop();
                    engine.deactivate();
                }));
        // A replica that may no longer lead (paused or cut off past its renew deadline) writes nothing, changes no metric,
        // creates no pod: the fence closes before another replica can take the Lease.
        store.fenceWith(leadership.fence());
        LOG.info("batch-job-controller {} started: name={}, podPoolSize={}, reportHistory={}, cron='{}'{}{}", BuildInfo.version(),
                cfg.name(), cfg.podPoolSize(), cfg.reportHistory(), cfg.cronExpression(), cfg.suspend() ? " (suspended)" : "",
                env.devMode() ? " (DEV_MODE: no leader election)" : "");
        // Liveness: a controller that can neither lead nor compete would never run a job again.
        health.addLiveness(HealthEndpoints.of("leader-election", leadership::isCompeting, "Lease " + cfg.leaseName()));
        leadership.start();
        started.set(true);
    }

    /**
     * Where this replica takes callbacks, for the others to relay to: its pod IP (POD_IP, else its
     * pod's status, read from the API: with several replicas the chart leaves POD_IP unset so that
     * job pods call the Service) and callback port.
     */
    private Optional<java.net.URI> callbackAddress(ControllerEnvironment env, KubernetesClient client) {
        Optional<String> ip = env.podIp().or(() -> {
            try {
                return Optional.ofNullable(client.pods().inNamespace(env.namespace()).withName(env.hostname()).get())
                        .map(p -> p.getStatus() == null ? null : p.getStatus().getPodIP());
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                LOG.warn("cannot read this controller's pod {} for its IP: {}", env.hostname(), e.getMessage());
                return Optional.empty();
            }
        });
        return ip.map(a -> java.net.URI.create("http://" + (a.contains(":") ? "[" + a + "]" : a) + ":" + callbackServer.port()));
    }

    /** Jobs created and not yet ended (a gauge; 0 before the engine exists). */
    private int jobsInFlight() {
        ExecutionEngine e = engine;
        return e == null ? 0 : e.progress().map(ExecutionProgress::running).orElse(0);
    }

    /** The schedule's longest interval, for the staleness alert (empty before the scheduler exists, or without a schedule). */
    private java.util.Optional<java.time.Duration> longestTriggerInterval() {
        TriggerScheduler s = scheduler;
        return s == null ? java.util.Optional.empty() : s.longestInterval();
    }

    /** Live reload of the ConfigMap into every part that can take a new config while running. */
    private ConfigReload configReload(ControllerEnvironment env, KubernetesClient client, LoadedConfig loaded, ControllerConfig cfg,
                                      io.fabric8.kubernetes.api.model.OwnerReference owner, JobEnvironment jobEnvironment,
                                      ResultMetrics resultMetrics, KubernetesNodeSource nodeSource, TriggerScheduler scheduler,
                                      ConfigMapEvents configMapEvents, ControllerMetrics controllerMetrics) {
        String source = "ConfigMap " + env.namespace() + "/" + env.configMapName();
        io.fabric8.kubernetes.api.model.ConfigMap initial = client.configMaps().inNamespace(env.namespace()).withName(env.configMapName()).get();
        java.util.Map<String, String> data = initial == null || initial.getData() == null ? java.util.Map.of() : initial.getData();
        java.util.function.Function<ControllerConfig, ControllerConfig> overrides = c -> env.reportDirectory()
                .map(d -> c.toBuilder().reportDirectory(d).build()).orElse(c);
        return new ConfigReload(source, new LoadedConfig(cfg, loaded.podTemplate(), loaded.warnings()),
                data.get(io.batchjob.core.config.ConfigLoader.CONFIG_KEY), data.get(io.batchjob.core.config.ConfigLoader.POD_TEMPLATE_KEY),
                overrides, new ConfigReload.Target() {
                    @Override
                    public void verify(LoadedConfig next) {
                        new JobPodFactory(next.config(), next.podTemplate(), env.namespace(), owner).verifyWithServer(client, source,
                                jobEnvironment.build(JobPodFactory.SAMPLE_EXECUTION, JobPodFactory.SAMPLE_NODE, "sample-secret"));
                    }

                    @Override
                    public void apply(LoadedConfig next) {
                        ControllerConfig c = next.config();
                        resultMetrics.reconfigure(c); // the one part that can refuse: first
                        engine.reconfigure(c);
                        backend.podFactory(new JobPodFactory(c, next.podTemplate(), env.namespace(), owner));
                        nodeSource.select(c.jobNodeSelector(), c.runOnUnscheduledNodes());
                        scheduler.update(c.schedule().orElse(null), c.suspend());
                        config = c;
                    }
                }, new ConfigReload.Report() {
                    @Override
                    public void event(boolean warning, String reason, String note) {
                        if (reason.startsWith("Config")) {
                            lastConfigChange = new io.batchjob.http.report.ControllerInfo.ConfigChange(java.time.Instant.now(),
                                    "ConfigRefused".equals(reason), reason, note);
                        }
                        configMapEvents.publish(warning, reason, note, "Reload");
                    }

                    @Override
                    public void reloadFailed() {
                        controllerMetrics.configReloadFailed();
                    }
                });
    }

    /** The start-up trigger leaves an execution resumed at start-up to finish; the schedule follows concurrencyPolicy. */
    private static void trigger(ExecutionEngine engine, TriggerScheduler.Cause cause) {
        if (cause == TriggerScheduler.Cause.STARTUP) {
            engine.triggerAtStartup("startup");
        } else {
            engine.trigger(cause.name().toLowerCase(Locale.ROOT));
        }
    }

    /** What the dashboard's header shows: schedule, next run, suspended, leader, last config change, version. */
    private io.batchjob.http.report.ControllerInfo controllerInfo() {
        ControllerConfig c = config;
        TriggerScheduler s = scheduler;
        boolean leads = leadership != null && leadership.isLeader();
        java.time.Instant next = leads && s != null ? s.nextFiring().map(java.time.ZonedDateTime::toInstant).orElse(null) : null;
        String leader = leadership == null ? null : leadership.leader().orElse(null);
        return new io.batchjob.http.report.ControllerInfo(c.name(), BuildInfo.version(), c.cronExpression(), c.cronTimeZone().getId(), next,
                c.suspend(), leader, leads, lastConfigChange);
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.push(resource);
        return resource;
    }

    private static int port(Integer override, int configured) {
        return override != null ? override : configured;
    }

    public ControllerConfig config() {
        return config;
    }

    public ExecutionEngine engine() {
        return engine;
    }

    /** Completes when this controller first becomes the leader (at once in DEV_MODE). */
    public java.util.concurrent.CompletableFuture<Void> leadership() {
        return leading.copy();
    }

    public boolean isLeader() {
        return leadership != null && leadership.isLeader();
    }

    public int reportPort() {
        return reportServer.port();
    }

    public int callbackPort() {
        return callbackServer.port();
    }

    public int healthPort() {
        return healthServer.port();
    }

    public int metricsPort() {
        return metricsServer.port();
    }

    public String host() {
        return host;
    }

    /** Stops triggering, releases the Lease, finishes in-flight requests, closes everything (reverse start order). */
    @Override
    public void close() {
        while (!resources.isEmpty()) {
            AutoCloseable r = resources.pop();
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed: {}", r.getClass().getSimpleName(), e.toString());
            }
        }
        Optional.ofNullable(config).ifPresent(c -> LOG.info("batch-job-controller {} stopped", c.name()));
    }
}

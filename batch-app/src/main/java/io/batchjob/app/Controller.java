package io.batchjob.app;

import io.batchjob.core.BuildInfo;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.ExecutionProgress;
import io.batchjob.core.execution.FileExecutionRecords;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.schedule.ExecutorTaskTimer;
import io.batchjob.core.schedule.TriggerScheduler;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.http.callback.CallbackApi;
import io.batchjob.http.callback.CallbackRelay;
import io.batchjob.http.callback.CallbackSettings;
import io.batchjob.http.health.HealthEndpoints;
import io.batchjob.http.report.ControllerInfo;
import io.batchjob.http.report.ReportServer;
import io.batchjob.k8s.ConfigMapConfigSource;
import io.batchjob.k8s.ConfigMapControl;
import io.batchjob.k8s.ConfigMapWatch;
import io.batchjob.k8s.Leadership;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one place that knows every module. It composes named parts — {@link ControllerServers} (the
 * four HTTP servers), {@link Metrics}, {@link KubernetesParts} (job pods, nodes, Events, handover,
 * leader address), {@link LiveConfig} with {@link ConfigReload} (the config in force and its live
 * reload), {@link LeaderDuties} with {@link Leadership} — and the engine and schedule between them;
 * it stops them in reverse order. Only the leader (or every controller in DEV_MODE) triggers and
 * dispatches.
 *
 * <p>Threading: started and closed by the caller's thread; the accessors are safe from any thread
 * once {@link #start} returned.
 */
public final class Controller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final String host;
    /** The config the start loaded; {@link LiveConfig} holds the one in force once it exists. */
    private volatile ControllerConfig startConfig;
    private volatile LiveConfig liveConfig;
    /** Read by the metrics' gauges from scrape threads: null until built. */
    private volatile ExecutionEngine engine;
    private volatile TriggerScheduler scheduler;
    private volatile Leadership leadership;
    private ControllerServers servers;
    private LeaderDuties duties;

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
        ControllerConfig cfg = withEnvironment(env, loaded.config());
        if (env.reportDirectory().isPresent()) {
            LOG.info("report directory {} (REPORT_DIRECTORY overrides reportDirectory)", cfg.reportDirectory());
        }
        this.startConfig = cfg;
        ReportStore store = new ReportStore(cfg.reportDirectory(), cfg.reportFileMode());
        ExecutionRecords records = new FileExecutionRecords(store);
        // Health first: /healthz answers while the pod watch syncs and the kept executions are replayed (which can take a
        // while with a long history), so a liveness probe never kills a controller that is still starting.
        AtomicBoolean started = new AtomicBoolean();
        HealthEndpoints health = new HealthEndpoints()
                .addLiveness(HealthEndpoints.reportDirectory(store.root()))
                .addReadiness(HealthEndpoints.of("started", started::get, "config loaded, pod watch, metrics of the kept executions, servers"));
        servers = own(ControllerServers.startHealth(listen, cfg, health));

        KubernetesParts cluster = own(KubernetesParts.connect(env, client, cfg, loaded, store, clock));
        Metrics metrics = Metrics.restore(cfg, store, records, this::jobsInFlight, this::longestTriggerInterval);
        // The callback port goes into the jobs' environment, so it is bound before the engine exists.
        servers.bindCallbacks(env.devMode());
        JobEnvironment jobEnvironment = new JobEnvironment(env.namespace(), new CallbackEndpoint(cluster.callbackHost, servers.callbackPort()),
                cfg.callbackAuth(), List.of());
        cluster.verifyTemplate(cfg, loaded, jobEnvironment);

        ExecutorTaskTimer timer = own(new ExecutorTaskTimer(1, "batch-timer"));
        ExecutionEngine engine = own(ExecutionEngine.builder()
                .config(cfg)
                .nodeSource(cluster.nodes)
                .backend(cluster.backend)
                .reportStore(store)
                .records(records)
                .jobEnvironment(jobEnvironment)
                .listener(metrics.results())
                .listener(metrics.published())
                .resultFootprint(metrics.results())
                .listener(metrics.controller())
                .listener(cluster.configMapEvents)
                // A new leader with a report volume of its own adopts the running execution from the API.
                .handover(cluster.handover)
                .clock(clock)
                .timer(timer)
                .build());
        this.engine = engine;
        TriggerScheduler scheduler = own(new TriggerScheduler(cfg.schedule().orElse(null), cfg.suspend(), cfg.runOnStartup(),
                cfg.startupDelay(), clock, timer, cause -> trigger(engine, cause)));
        this.scheduler = scheduler;
        LiveConfig live = new LiveConfig(cfg, cluster, jobEnvironment, metrics, engine, scheduler, clock);
        this.liveConfig = live;

        // Every replica takes callbacks (the callback Service selects them all); one that does not lead relays to the leader.
        servers.serveCallbacks(new CallbackApi(engine, store, cluster.events, CallbackSettings.of(cfg, env.devMode()), metrics.controller(),
                cluster.leaderAddress == null ? null : new CallbackRelay(cluster.leaderAddress, cfg.callbackRelayWait(),
                        () -> store.fence().refusal().isEmpty() && engine.isDispatching())).handler());
        servers.startReports(new ReportServer(store, engine.status(), this::controllerInfo));
        servers.startMetrics(metrics.registry(), metrics.results());
        health.addReadiness(HealthEndpoints.of("pod-watch", cluster.backend::hasSynced, "informer on the job pods"))
                // A full volume: results get 500 and records wait in memory; not ready until both are over.
                .addReadiness(HealthEndpoints.reportVolume(store, engine::unwrittenRecords));
        servers.addReadiness(health);

        // Operator requests (kubectl annotate) and config changes on the ConfigMap; only the leader acts on requests.
        ConfigMapControl control = own(new ConfigMapControl(client, env.namespace(), env.configMapName(), engine, cluster.configMapEvents));
        ConfigReload reload = own(configReload(env, client, loaded, cfg, live));
        ConfigMapWatch configMapWatch = own(ConfigMapWatch.start(client, env.namespace(), env.configMapName(),
                List.of(control::onConfigMap, reload::onConfigMap)));
        health.addReadiness(HealthEndpoints.of("config-watch", configMapWatch::isWatching,
                cluster.configMapSource() + ": operator requests and config changes are seen"));

        duties = new LeaderDuties(env, cluster, this::config, servers::callbackPort, metrics.published(), engine, scheduler, control);
        Leadership leadership = own(Leadership.of(env.devMode(), client, env.namespace(), cfg, env.hostname(), duties::gained, duties::lost));
        this.leadership = leadership;
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

    /** The environment's overrides of the ConfigMap's config (REPORT_DIRECTORY), at start and on every reload. */
    private static ControllerConfig withEnvironment(ControllerEnvironment env, ControllerConfig config) {
        return env.reportDirectory().map(d -> config.toBuilder().reportDirectory(d).build()).orElse(config);
    }

    /** Jobs created and not yet ended (a gauge; 0 before the engine exists). */
    private int jobsInFlight() {
        ExecutionEngine e = engine;
        return e == null ? 0 : e.progress().map(ExecutionProgress::running).orElse(0);
    }

    /** The schedule's longest interval, for the staleness alert (empty before the scheduler exists, or without a schedule). */
    private Optional<Duration> longestTriggerInterval() {
        TriggerScheduler s = scheduler;
        return s == null ? Optional.empty() : s.longestInterval();
    }

    /** Live reload of the ConfigMap into every part that can take a new config while running. */
    private static ConfigReload configReload(ControllerEnvironment env, KubernetesClient client, LoadedConfig loaded, ControllerConfig cfg,
                                             LiveConfig live) {
        ConfigMap initial = client.configMaps().inNamespace(env.namespace()).withName(env.configMapName()).get();
        Map<String, String> data = initial == null || initial.getData() == null ? Map.of() : initial.getData();
        return new ConfigReload("ConfigMap " + env.namespace() + "/" + env.configMapName(),
                new LoadedConfig(cfg, loaded.podTemplate(), loaded.warnings()),
                data.get(ConfigLoader.CONFIG_KEY), data.get(ConfigLoader.POD_TEMPLATE_KEY), c -> withEnvironment(env, c), live, live);
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
    private ControllerInfo controllerInfo() {
        ControllerConfig c = config();
        TriggerScheduler s = scheduler;
        Leadership l = leadership;
        LiveConfig live = liveConfig;
        boolean leads = l != null && l.isLeader();
        Instant next = leads && s != null ? s.nextFiring().map(ZonedDateTime::toInstant).orElse(null) : null;
        String leader = l == null ? null : l.leader().orElse(null);
        return new ControllerInfo(c.name(), BuildInfo.version(), c.cronExpression(), c.cronTimeZone().getId(), next,
                c.suspend(), leader, leads, live == null ? null : live.lastChange());
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.push(resource);
        return resource;
    }

    /** The config in force. */
    public ControllerConfig config() {
        LiveConfig live = liveConfig;
        return live != null ? live.current() : startConfig;
    }

    public ExecutionEngine engine() {
        return engine;
    }

    /** Completes when this controller first becomes the leader (at once in DEV_MODE). */
    public CompletableFuture<Void> leadership() {
        return duties.firstLead().copy();
    }

    public boolean isLeader() {
        Leadership l = leadership;
        return l != null && l.isLeader();
    }

    public int reportPort() {
        return servers.reportPort();
    }

    public int callbackPort() {
        return servers.callbackPort();
    }

    public int healthPort() {
        return servers.healthPort();
    }

    public int metricsPort() {
        return servers.metricsPort();
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
        Optional.ofNullable(config()).ifPresent(c -> LOG.info("batch-job-controller {} stopped", c.name()));
    }
}

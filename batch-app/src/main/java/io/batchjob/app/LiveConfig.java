package io.batchjob.app;

import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.schedule.TriggerScheduler;
import io.batchjob.http.report.ControllerInfo;
import io.batchjob.metrics.ControllerMetrics;
import io.batchjob.metrics.ResultMetrics;

import java.time.Clock;
import java.util.Objects;

/**
 * The config in force and where a reloaded one goes ({@link ConfigReload}'s target and report):
 * the result metrics first (the one part that can refuse: gauges colliding with other metrics), then
 * the engine, the job pods' factory, the node selection and the schedule. Operators hear of each
 * reload through an Event on the ConfigMap; the dashboard shows the last config change.
 *
 * <p>Threading: {@link #apply} and {@link #event} run on the reload thread only; {@link #current}
 * and {@link #lastChange} are read from any thread (volatile).
 */
final class LiveConfig implements ConfigReload.Target, ConfigReload.Report {

    private final KubernetesParts cluster;
    private final JobEnvironment jobEnvironment;
    private final ResultMetrics results;
    private final ControllerMetrics controllerMetrics;
    private final ExecutionEngine engine;
    private final TriggerScheduler scheduler;
    private final Clock clock;
    private volatile ControllerConfig current;
    private volatile ControllerInfo.ConfigChange lastChange;

    LiveConfig(ControllerConfig initial, KubernetesParts cluster, JobEnvironment jobEnvironment, Metrics metrics, ExecutionEngine engine,
               TriggerScheduler scheduler, Clock clock) {
        this.current = Objects.requireNonNull(initial);
        this.cluster = cluster;
        this.jobEnvironment = jobEnvironment;
        this.results = metrics.results();
        this.controllerMetrics = metrics.controller();
        this.engine = engine;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /** The config in force. */
    ControllerConfig current() {
        return current;
    }

    /** The last config change the ConfigMap asked for (applied, refused or needing a restart), if any. */
    ControllerInfo.ConfigChange lastChange() {
        return lastChange;
    }

    @Override
    public void verify(LoadedConfig next) {
        cluster.verifyTemplate(next.config(), next, jobEnvironment);
    }

    @Override
    public void apply(LoadedConfig next) {
        ControllerConfig c = next.config();
        results.reconfigure(c); // the one part that can refuse: first
        engine.reconfigure(c);
        cluster.backend.podFactory(cluster.podFactory(c, next));
        cluster.nodes.select(c.jobNodeSelector(), c.runOnUnscheduledNodes());
        scheduler.update(c.schedule().orElse(null), c.suspend());
        current = c;
    }

    @Override
    public void event(boolean warning, String reason, String note) {
        if (reason.startsWith("Config")) {
            lastChange = new ControllerInfo.ConfigChange(clock.instant(), "ConfigRefused".equals(reason), reason, note);
        }
        cluster.configMapEvents.publish(warning, reason, note, "Reload");
    }

    @Override
    public void reloadFailed() {
        controllerMetrics.configReloadFailed();
    }
}

package io.batchjob.app;

import io.batchjob.core.LatestWinsWorker;
import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ConfigKeys;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.config.MetricsConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Live reload of the controller's ConfigMap. A changed, valid {@code config.yaml} or
 * {@code pod-template.yaml} applies from the next trigger on: schedule and suspension, pool size,
 * job timeout, report history, concurrency policy, gauges, pod template (checked by a server-side
 * dry run first), job service account and pull secrets, node selection, custom map. Keys that
 * take effect only at start ({@link #RESTART_KEYS}) keep their old value, with a Warning Event
 * naming them. An invalid config keeps the old one in force: a Warning Event names every
 * problem, {@code batch_job_controller_config_reload_failures_total} counts it, and readiness is
 * not touched.
 *
 * <p>Threading: {@link #onConfigMap} only queues; one thread of its own applies changes one
 * after another, and is the only writer of {@code current}.
 */
final class ConfigReload implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReload.class);

    /** Keys a running controller cannot change: they apply after a restart. */
    static final Map<String, Function<ControllerConfig, Object>> RESTART_KEYS = restartKeys();

    /** Where a valid new configuration goes; throws when a part refuses it (nothing else applied then). */
    interface Target {
        /** Checks what only the API server can judge (the pod template); throws {@link ConfigException} if refused. */
        void verify(LoadedConfig loaded);

        /**
         * Applies it to every part; the part that can refuse (gauges colliding with other metrics)
         * goes first and throws {@link ConfigException} before anything else changed.
         */
        void apply(LoadedConfig loaded);
    }

    /** What the operator is told: Events on the ConfigMap, the failure metric. */
    interface Report {
        void event(boolean warning, String reason, String note);

        void reloadFailed();
    }

    private final String source;
    private final Target target;
    private final Report report;
    private final Function<ControllerConfig, ControllerConfig> overrides;
    private final LatestWinsWorker worker = new LatestWinsWorker("config-reload", 8);
    private volatile ConfigMap latest;
    // Only the worker thread touches these after construction.
    private LoadedConfig current;
    private String appliedText;
    private String appliedTemplate;
    /**
     * The last applied config as the ConfigMap says it, before the environment's overrides: a change
     * of a key the environment overrides (reportDirectory under REPORT_DIRECTORY) is still a change
     * the operator made and is told needs a restart.
     */
    private ControllerConfig appliedAsWritten;

    /**
     * @param initial   the config the controller started with
     * @param overrides applied to every reloaded config the same way as at start (e.g. REPORT_DIRECTORY)
     */
    ConfigReload(String source, LoadedConfig initial, String initialConfigText, String initialTemplateText,
                 Function<ControllerConfig, ControllerConfig> overrides, Target target, Report report) {
        this.source = source;
        this.current = initial;
        this.appliedText = key(initialConfigText, initialTemplateText);
        this.appliedTemplate = initialTemplateText;
        ControllerConfig asWritten = initial.config();
        try {
            asWritten = initialConfigText == null ? asWritten : ConfigLoader.parseConfig(initialConfigText, source, new java.util.ArrayList<>());
        } catch (ConfigException e) {
            // The controller started with it, so it parses; if not, the config in force stands for it.
        }
        this.appliedAsWritten = asWritten;
        this.overrides = overrides;
        this.target = target;
        this.report = report;
    }

    /** A version of the ConfigMap from the watch; queues a look at it. */
    void onConfigMap(ConfigMap cm) {
        latest = cm;
        if (!worker.offer(this::handleLatest)) {
            LOG.debug("a look at the ConfigMap is already queued");
        }
    }

    /** The config in force. */
    ControllerConfig current() {
        return current.config();
    }

    private static String key(String config, String template) {
        return Objects.toString(config) + "\u0000" + Objects.toString(template);
    }

    /** Looks finished since start (a test waits for the next one instead of for a while). */
    long completedLooks() {
        return worker.completed();
    }

    private void handleLatest() {
        ConfigMap cm = latest;
        Map<String, String> data = Optional.ofNullable(cm.getData()).orElse(Map.of());
        String configText = data.get(ConfigLoader.CONFIG_KEY);
        String templateText = data.get(ConfigLoader.POD_TEMPLATE_KEY);
        String text = key(configText, templateText);
        if (text.equals(appliedText)) {
            return; // an annotation or label changed, not the config
        }
        LoadedConfig loaded;
        List<String> restart;
        try {
            if (configText == null || templateText == null) {
                throw new ConfigException(source, List.of("keys '" + ConfigLoader.CONFIG_KEY + "' and '" + ConfigLoader.POD_TEMPLATE_KEY
                        + "' are both required"));
            }
            LoadedConfig parsed = ConfigLoader.load(configText, templateText, source);
            ControllerConfig requested = overrides.apply(parsed.config());
            // As written on both sides: an overridden key changed in the ConfigMap is still named.
            restart = changedRestartKeys(parsed.config(), appliedAsWritten);
            loaded = new LoadedConfig(keepRestartKeys(requested, current.config()), parsed.podTemplate(), parsed.warnings());
            target.verify(loaded);
            target.apply(loaded);
        } catch (ConfigException e) {
            appliedText = text; // judged: the same text again is not judged again
            LOG.warn("the changed ConfigMap is refused; the previous config stays in force: {}", e.getMessage());
            report.reloadFailed();
            report.event(true, "ConfigRefused", "the changed config is refused and the previous one stays in force: " + e.getMessage());
            return;
        }
        List<String> changed = new ArrayList<>(changedKeys(current.config(), loaded.config()));
        if (!Objects.equals(templateText, appliedTemplate)) {
            changed.add(ConfigLoader.POD_TEMPLATE_KEY);
        }
        boolean wasSuspended = current.config().suspend();
        current = loaded;
        appliedText = text;
        appliedTemplate = templateText;
        appliedAsWritten = ConfigLoader.parseConfig(configText, source, new ArrayList<>());
        // Exactly what changes: the live keys and the template; restart-only keys get their own Event.
        if (!changed.isEmpty()) {
            LOG.info("config reloaded; applies from the next trigger: {}", changed);
            report.event(false, "ConfigApplied", "the changed config applies from the next trigger: " + String.join(", ", changed));
        } else if (restart.isEmpty()) {
            LOG.info("config.yaml changed, but no key the controller uses (comments, order, defaults written out)");
        }
        if (!restart.isEmpty()) {
            report.event(true, "ConfigNeedsRestart", "these keys change only after a restart of the controller: " + String.join(", ", restart));
        }
        if (wasSuspended != loaded.config().suspend()) {
            report.event(false, loaded.config().suspend() ? "Suspended" : "Resumed", loaded.config().suspend()
                    ? "scheduled triggers are suspended; manual runs and re-runs still work"
                    : "scheduled triggers resume from the next tick (missed ticks do not fire)");
        }
    }

    /** The new config with the values of the restart-only keys the controller runs with. */
    private static ControllerConfig keepRestartKeys(ControllerConfig next, ControllerConfig running) {
        return next.toBuilder()
                .name(running.name())
                .reportDirectory(running.reportDirectory())
                .callbackServicePort(running.callbackServicePort())
                .reportServerPort(running.reportServerPort())
                .healthProbePort(running.healthProbePort())
                .metrics(new MetricsConfig(running.metrics().prefix(), next.metrics().gauges(), running.metrics().port()))
                .callbackServiceName(running.callbackServiceName())
                .callbackAuth(running.callbackAuth())
                .maxUploadSize(running.maxUploadSize())
                .maxResultSize(running.maxResultSize())
                .maxSeriesPerResult(running.maxSeriesPerResult())
                .savePodLog(running.savePodLog())
                .latestMetricsLabel(running.latestMetricsLabel())
                .leaderElectionResourceLock(running.leaderElectionResourceLock())
                .runOnStartup(running.runOnStartup())
                .startupDelay(running.startupDelay())
                .reportFileMode(running.reportFileMode())
                .budgets(running.budgets())
                .callbackRelayWait(running.callbackRelayWait())
                .build();
    }

    private static List<String> changedRestartKeys(ControllerConfig next, ControllerConfig running) {
        List<String> keys = new ArrayList<>();
        RESTART_KEYS.forEach((key, value) -> {
            if (!Objects.equals(value.apply(next), value.apply(running))) {
                keys.add(key);
            }
        });
        return keys;
    }

    private static List<String> changedKeys(ControllerConfig before, ControllerConfig after) {
        List<String> keys = new ArrayList<>();
        for (ConfigKeys.Key<?> key : ConfigKeys.ALL) {
            if (!key.restartOnly() && !Objects.equals(key.value().apply(before), key.value().apply(after))) {
                keys.add(key.name());
            }
        }
        return keys;
    }

    private static Map<String, Function<ControllerConfig, Object>> restartKeys() {
        Map<String, Function<ControllerConfig, Object>> m = new LinkedHashMap<>();
        ConfigKeys.ALL.stream().filter(ConfigKeys.Key::restartOnly).forEach(k -> m.put(k.name(), k.value()));
        return java.util.Collections.unmodifiableMap(m);
    }

    @Override
    public void close() {
        worker.close();
    }
}

package io.batchjob.core.config;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Every key of {@code config.yaml} in one place: its name, its value in a loaded
 * {@link ControllerConfig}, the Go controller's alias if it had another name, and when a changed
 * value takes effect in a running controller. The loader's known keys, the live reload's
 * classification and the chart's schema test read it; {@code ConfigKeysTest} fails when the loader
 * reads a key that is not here, and the chart test when its schema and this differ.
 */
public final class ConfigKeys {

    /** When a changed value takes effect while the controller runs. */
    public enum Applies {
        /** At once (the schedule, suspension, gauges, custom settings). */
        LIVE,
        /** From the next execution (what an execution starts with; a running one keeps its settings). */
        NEXT_EXECUTION,
        /** At the next start only, and nothing to apply now: no restart is needed for it. */
        NEXT_START,
        /** Only after a restart (ports, names, limits wired into servers at start). */
        RESTART
    }

    /**
     * One key.
     *
     * @param name    its name; nested keys with dots ({@code metrics.port})
     * @param applies when a change takes effect
     * @param value   its value in a loaded config (compared to tell whether it changed)
     * @param alias   another name the loader accepts (the Go controller's), or {@code null}
     */
    public record Key(String name, Applies applies, Function<ControllerConfig, Object> value, String alias) {

        Key(String name, Applies applies, Function<ControllerConfig, Object> value) {
            this(name, applies, value, null);
        }

        /** Whether a change to it needs a restart (or a next start) to take effect. */
        public boolean restartOnly() {
            return applies == Applies.RESTART || applies == Applies.NEXT_START;
        }

        /** Its top-level name in {@code config.yaml} ({@code metrics} for {@code metrics.port}). */
        public String topLevel() {
            int dot = name.indexOf('.');
            return dot < 0 ? name : name.substring(0, dot);
        }
    }

    /** Every key, in the order of the documentation. */
    public static final List<Key> ALL = List.of(
            new Key("name", Applies.RESTART, ControllerConfig::name),
            new Key("jobServiceAccount", Applies.NEXT_EXECUTION, ControllerConfig::jobServiceAccount),
            new Key("jobImagePullSecrets", Applies.NEXT_EXECUTION, ControllerConfig::jobImagePullSecrets, "imagePullSecrets"),
            new Key("jobNodeSelector", Applies.NEXT_EXECUTION, ControllerConfig::jobNodeSelector),
            new Key("runOnUnscheduledNodes", Applies.NEXT_EXECUTION, ControllerConfig::runOnUnscheduledNodes),
            new Key("cronExpression", Applies.LIVE, ControllerConfig::cronExpression),
            new Key("cronTimeZone", Applies.LIVE, ControllerConfig::cronTimeZone),
            new Key("suspend", Applies.LIVE, ControllerConfig::suspend),
            new Key("reportDirectory", Applies.RESTART, ControllerConfig::reportDirectory),
            new Key("reportHistory", Applies.NEXT_EXECUTION, ControllerConfig::reportHistory),
            new Key("podPoolSize", Applies.NEXT_EXECUTION, ControllerConfig::podPoolSize),
            new Key("runOnStartup", Applies.NEXT_START, ControllerConfig::runOnStartup),
            new Key("startupDelay", Applies.NEXT_START, ControllerConfig::startupDelay),
            new Key("callbackServiceName", Applies.RESTART, ControllerConfig::callbackServiceName),
            new Key("callbackServicePort", Applies.RESTART, ControllerConfig::callbackServicePort),
            new Key("custom", Applies.LIVE, ControllerConfig::custom),
            new Key("latestMetricsLabel", Applies.RESTART, ControllerConfig::latestMetricsLabel),
            new Key("leaderElectionResourceLock", Applies.RESTART, ControllerConfig::leaderElectionResourceLock),
            new Key("savePodLog", Applies.RESTART, ControllerConfig::savePodLog),
            new Key("metrics.prefix", Applies.RESTART, c -> c.metrics().prefix()),
            new Key("metrics.gauges", Applies.LIVE, c -> c.metrics().gauges()),
            new Key("metrics.port", Applies.RESTART, c -> c.metrics().port()),
            new Key("healthProbePort", Applies.RESTART, ControllerConfig::healthProbePort),
            new Key("reportServerPort", Applies.RESTART, ControllerConfig::reportServerPort),
            new Key("jobTimeout", Applies.NEXT_EXECUTION, ControllerConfig::jobTimeout),
            new Key("jobRetries", Applies.NEXT_EXECUTION, c -> c.jobRetries().retries()),
            new Key("jobRetryDelay", Applies.NEXT_EXECUTION, c -> c.jobRetries().delay()),
            new Key("concurrencyPolicy", Applies.NEXT_EXECUTION, ControllerConfig::concurrencyPolicy),
            new Key("maxUploadSize", Applies.RESTART, ControllerConfig::maxUploadSize),
            new Key("maxResultSize", Applies.RESTART, ControllerConfig::maxResultSize),
            new Key("maxSeriesPerResult", Applies.RESTART, ControllerConfig::maxSeriesPerResult),
            new Key("maxFilesPerJob", Applies.RESTART, c -> c.budgets().maxFilesPerJob()),
            new Key("maxBytesPerJob", Applies.RESTART, c -> c.budgets().maxBytesPerJob()),
            new Key("maxSeriesInMemory", Applies.RESTART, c -> c.budgets().maxSeriesInMemory()),
            new Key("callbackAuth", Applies.RESTART, ControllerConfig::callbackAuth),
            new Key("callbackRelayWait", Applies.RESTART, ControllerConfig::callbackRelayWait),
            new Key("reportFileMode", Applies.RESTART, ControllerConfig::reportFileMode));

    private ConfigKeys() {
    }

    /** The key of this name, if there is one. */
    public static Optional<Key> named(String name) {
        return ALL.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    /** The names {@code config.yaml} may have at its top level: every key's top level and every alias. */
    public static Set<String> topLevelNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Key k : ALL) {
            names.add(k.topLevel());
            if (k.alias() != null) {
                names.add(k.alias());
            }
        }
        return Set.copyOf(names);
    }
}

package io.batchjob.core.config;

import io.batchjob.core.config.ControllerConfig.Builder;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Every key of {@code config.yaml} in one place: its name, how it is read ({@link ConfigType}), its
 * default, where it goes in {@link ControllerConfig.Builder} and how it is read back from a loaded
 * config, the Go controller's alias if it had another name, and when a changed value takes effect in
 * a running controller. {@link ConfigLoader} reads a file key by key through this list, a new
 * builder starts at these defaults, and the live reload classifies changes with it.
 * {@code ConfigKeysTest} fails when the loader reads a key that is not here or when
 * docs/configuration.md's table differs in a name or a default; the chart test when its schema and
 * this list differ.
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
     * @param name         its name; nested keys with dots ({@code metrics.port})
     * @param applies      when a change takes effect
     * @param type         how its YAML value is read
     * @param defaultValue its value when the file does not set it ({@code null}: none, e.g. no job timeout)
     * @param set          puts a value into a builder
     * @param value        its value in a loaded config (compared to tell whether it changed)
     * @param alias        another name the loader accepts (the Go controller's), or {@code null}
     * @param <T>          the type of its value
     */
    public record Key<T>(String name, Applies applies, ConfigType<T> type, T defaultValue, BiConsumer<Builder, T> set,
                         Function<ControllerConfig, Object> value, String alias) {

        /** Whether a change to it needs a restart (or a next start) to take effect. */
        public boolean restartOnly() {
            return applies == Applies.RESTART || applies == Applies.NEXT_START;
        }

        /** Its top-level name in {@code config.yaml} ({@code metrics} for {@code metrics.port}). */
        public String topLevel() {
            int dot = name.indexOf('.');
            return dot < 0 ? name : name.substring(0, dot);
        }

        /** Reads a YAML value into the builder; a problem goes to {@code findings} and leaves the builder as it was. */
        public void read(com.fasterxml.jackson.databind.JsonNode node, ConfigType.Findings findings, Builder builder) {
            T v = type.read(name, node, findings);
            if (v != null) {
                set.accept(builder, v);
            }
        }

        void setDefault(Builder builder) {
            set.accept(builder, defaultValue);
        }
    }

    private static <T> Key<T> key(String name, Applies applies, ConfigType<T> type, T defaultValue, BiConsumer<Builder, T> set,
                                  Function<ControllerConfig, Object> value) {
        return new Key<>(name, applies, type, defaultValue, set, value, null);
    }

    /** Job pull secrets; the Go controller's name {@code imagePullSecrets} is read too and the lists joined. */
    public static final Key<List<String>> JOB_IMAGE_PULL_SECRETS = new Key<>("jobImagePullSecrets", Applies.NEXT_EXECUTION,
            ConfigTypes.PULL_SECRETS, List.of(), Builder::jobImagePullSecrets, ControllerConfig::jobImagePullSecrets, "imagePullSecrets");

    /** Every key, in the order of the documentation. */
    public static final List<Key<?>> ALL = List.of(
            key("name", Applies.RESTART, ConfigTypes.STRING, "", Builder::name, ControllerConfig::name),
            key("jobServiceAccount", Applies.NEXT_EXECUTION, ConfigTypes.STRING, "", Builder::jobServiceAccount,
                    ControllerConfig::jobServiceAccount),
            JOB_IMAGE_PULL_SECRETS,
            key("jobNodeSelector", Applies.NEXT_EXECUTION, ConfigTypes.LABELS, Map.of(), Builder::jobNodeSelector,
                    ControllerConfig::jobNodeSelector),
            key("runOnUnscheduledNodes", Applies.NEXT_EXECUTION, ConfigTypes.BOOLEAN, false, Builder::runOnUnscheduledNodes,
                    ControllerConfig::runOnUnscheduledNodes),
            key("cronExpression", Applies.LIVE, ConfigTypes.STRING, "42 3 * * *", Builder::cronExpression,
                    ControllerConfig::cronExpression),
            key("cronTimeZone", Applies.LIVE, ConfigTypes.ZONE, ZoneId.systemDefault(), Builder::cronTimeZone,
                    ControllerConfig::cronTimeZone),
            key("suspend", Applies.LIVE, ConfigTypes.BOOLEAN, false, Builder::suspend, ControllerConfig::suspend),
            key("reportDirectory", Applies.RESTART, ConfigTypes.PATH, Path.of("/var/www"), Builder::reportDirectory,
                    ControllerConfig::reportDirectory),
            key("reportHistory", Applies.NEXT_EXECUTION, ConfigTypes.INTEGER, 30, Builder::reportHistory,
                    ControllerConfig::reportHistory),
            key("podPoolSize", Applies.NEXT_EXECUTION, ConfigTypes.INTEGER, 10, Builder::podPoolSize, ControllerConfig::podPoolSize),
            key("runOnStartup", Applies.NEXT_START, ConfigTypes.BOOLEAN, false, Builder::runOnStartup, ControllerConfig::runOnStartup),
            key("startupDelay", Applies.NEXT_START, ConfigTypes.DURATION, Duration.ofSeconds(10), Builder::startupDelay,
                    ControllerConfig::startupDelay),
            key("callbackServiceName", Applies.RESTART, ConfigTypes.STRING, "", Builder::callbackServiceName,
                    ControllerConfig::callbackServiceName),
            key("callbackServicePort", Applies.RESTART, ConfigTypes.INTEGER, 8090, Builder::callbackServicePort,
                    ControllerConfig::callbackServicePort),
            key("custom", Applies.LIVE, ConfigTypes.CUSTOM, CustomSettings.empty(), Builder::custom, ControllerConfig::custom),
            key("latestMetricsLabel", Applies.RESTART, ConfigTypes.BOOLEAN, false, Builder::latestMetricsLabel,
                    ControllerConfig::latestMetricsLabel),
            key("leaderElectionResourceLock", Applies.RESTART, ConfigTypes.RESOURCE_LOCK, "", Builder::leaderElectionResourceLock,
                    ControllerConfig::leaderElectionResourceLock),
            key("savePodLog", Applies.RESTART, ConfigTypes.BOOLEAN, false, Builder::savePodLog, ControllerConfig::savePodLog),
            key("metrics.prefix", Applies.RESTART, ConfigTypes.STRING, MetricsConfig.DEFAULT_PREFIX, Builder::metricsPrefix, c -> c.metrics().prefix()),
            key("metrics.gauges", Applies.LIVE, ConfigTypes.GAUGES, Map.of(), Builder::metricsGauges, c -> c.metrics().gauges()),
            key("metrics.port", Applies.RESTART, ConfigTypes.INTEGER, MetricsConfig.DEFAULT_PORT, Builder::metricsPort, c -> c.metrics().port()),
            key("healthProbePort", Applies.RESTART, ConfigTypes.INTEGER, 9152, Builder::healthProbePort,
                    ControllerConfig::healthProbePort),
            key("reportServerPort", Applies.RESTART, ConfigTypes.INTEGER, 8080, Builder::reportServerPort,
                    ControllerConfig::reportServerPort),
            key("jobTimeout", Applies.NEXT_EXECUTION, ConfigTypes.DURATION, null, Builder::jobTimeout, ControllerConfig::jobTimeout),
            key("jobRetries", Applies.NEXT_EXECUTION, ConfigTypes.INTEGER, 0, (b, v) -> b.jobRetries(v), c -> c.jobRetries().retries()),
            key("jobRetryDelay", Applies.NEXT_EXECUTION, ConfigTypes.DURATION, JobRetries.DEFAULT_DELAY, Builder::jobRetryDelay,
                    c -> c.jobRetries().delay()),
            key("concurrencyPolicy", Applies.NEXT_EXECUTION, ConfigTypes.CONCURRENCY_POLICY, ConcurrencyPolicy.REPLACE,
                    Builder::concurrencyPolicy, ControllerConfig::concurrencyPolicy),
            key("maxUploadSize", Applies.RESTART, ConfigTypes.SIZE, 100L << 20, Builder::maxUploadSize, ControllerConfig::maxUploadSize),
            key("maxResultSize", Applies.RESTART, ConfigTypes.SIZE, 1L << 20, Builder::maxResultSize, ControllerConfig::maxResultSize),
            key("maxSeriesPerResult", Applies.RESTART, ConfigTypes.INTEGER, 10_000, Builder::maxSeriesPerResult,
                    ControllerConfig::maxSeriesPerResult),
            key("maxFilesPerJob", Applies.RESTART, ConfigTypes.INTEGER, Budgets.DEFAULT_MAX_FILES_PER_JOB, (b, v) -> b.maxFilesPerJob(v),
                    c -> c.budgets().maxFilesPerJob()),
            key("maxBytesPerJob", Applies.RESTART, ConfigTypes.SIZE, Budgets.DEFAULT_MAX_BYTES_PER_JOB, Builder::maxBytesPerJob, c -> c.budgets().maxBytesPerJob()),
            key("maxSeriesInMemory", Applies.RESTART, ConfigTypes.INTEGER,
                    Math.toIntExact(Budgets.DEFAULT_MAX_SERIES_IN_MEMORY), (b, v) -> b.maxSeriesInMemory(v),
                    c -> c.budgets().maxSeriesInMemory()),
            key("callbackAuth", Applies.RESTART, ConfigTypes.CALLBACK_AUTH, CallbackAuth.TOKEN, Builder::callbackAuth,
                    ControllerConfig::callbackAuth),
            key("callbackRelayWait", Applies.RESTART, ConfigTypes.DURATION, Duration.ofSeconds(60), Builder::callbackRelayWait,
                    ControllerConfig::callbackRelayWait),
            key("reportFileMode", Applies.RESTART, ConfigTypes.FILE_MODE, ReportFileMode.DEFAULT, Builder::reportFileMode,
                    ControllerConfig::reportFileMode));

    private ConfigKeys() {
    }

    /** The key of this name, if there is one. */
    public static Optional<Key<?>> named(String name) {
        return ALL.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    /** The default of the key of this name (a key of this list; used where a constant names a default). */
    @SuppressWarnings("unchecked")
    static <T> T defaultOf(String name) {
        return (T) named(name).orElseThrow(() -> new IllegalArgumentException("no config key " + name)).defaultValue();
    }

    /** The names {@code config.yaml} may have at its top level: every key's top level and every alias. */
    public static Set<String> topLevelNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Key<?> k : ALL) {
            names.add(k.topLevel());
            if (k.alias() != null) {
                names.add(k.alias());
            }
        }
        return Set.copyOf(names);
    }

    /** The names under a section ({@code prefix, gauges, port} under {@code metrics}). */
    static List<String> namesUnder(String section) {
        return ALL.stream().map(Key::name).filter(n -> n.startsWith(section + "."))
                .map(n -> n.substring(section.length() + 1)).toList();
    }
}

package io.batchjob.metrics;

import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.GaugeConfig;
import io.batchjob.core.config.MetricsConfig;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.JobSummary;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result metrics as they were before the compact store: one prometheus-metrics {@link Gauge}
 * series per result value, written by the library's own writers. {@link ExpositionTest} uses it as
 * the reference the streamed exposition must equal byte for byte.
 */
final class ReferenceResultMetrics implements ExecutionListener {

    /** Name of the info metric, as the Go controller exposed it. */
    public static final String INFO_METRIC = "com_github_bakito_batch_job_controller";
    static final String LATEST = "latest";

    private final boolean latest;
    private final Gauge currentExecutionId;
    private final Gauge pods;
    private final Gauge processing;
    private final Gauge duration;
    private final PrometheusRegistry registry;
    private final Gauge info;
    private final String version;
    /** The configured gauges; an immutable map replaced whole by {@link #reconfigure} (read on the events thread). */
    private volatile Map<String, CustomGauge> gauges;

    private record CustomGauge(Gauge gauge, GaugeConfig config) {
        List<String> labels() {
            return config.labels();
        }
    }

    /**
     * Registers the metrics.
     *
     * @throws ConfigException when a configured name collides with a metric already in the registry
     */
    ReferenceResultMetrics(ControllerConfig config, PrometheusRegistry registry, String version) {
        MetricsConfig m = config.metrics();
        this.latest = config.latestMetricsLabel();
        this.currentExecutionId = register(registry, "metrics.prefix", Gauge.builder()
                .name(m.nameFor("current_execution_id")).help("The current execution ID"));
        this.pods = register(registry, "metrics.prefix", Gauge.builder()
                .name(m.nameFor("pods")).help("The number of pods started for the last execution"));
        this.processing = register(registry, "metrics.prefix", Gauge.builder()
                .name(m.nameFor("processing")).help("Node with processing error, 1: has error / 0: no error")
                .labelNames("node", "executionID"));
        this.duration = register(registry, "metrics.prefix", Gauge.builder()
                .name(m.nameFor("duration")).help("Execution Duration in milliseconds")
                .labelNames("node", "executionID"));
        this.registry = registry;
        this.version = version;
        Map<String, CustomGauge> initial = new LinkedHashMap<>();
        m.gauges().forEach((suffix, g) -> initial.put(suffix, custom(registry, m, suffix, g)));
        this.gauges = java.util.Collections.unmodifiableMap(initial);
        this.info = register(registry, "metrics.prefix", Gauge.builder()
                .name(INFO_METRIC).help("information about github.com/bakito/batch-job-controller")
                .labelNames("version", "name", "prefix", "poolSize", "reportHistory", "cron"));
        setInfo(config);
    }

    private void setInfo(ControllerConfig config) {
        info.clear();
        info.labelValues(version, config.name(), config.metrics().prefix(), Integer.toString(config.podPoolSize()),
                Integer.toString(config.reportHistory()), config.cronExpression()).set(1);
    }

    /**
     * Applies a reloaded config's gauges (the prefix needs a restart): new suffixes are
     * registered, removed ones unregistered with their series, a gauge whose labels or help
     * changed starts anew. The info metric shows the new pool size, history and schedule.
     *
     * @throws ConfigException when a new gauge's name collides with another metric (nothing changed then)
     */
    public synchronized void reconfigure(ControllerConfig config) {
        MetricsConfig m = config.metrics();
        Map<String, CustomGauge> before = gauges;
        Map<String, CustomGauge> next = new LinkedHashMap<>();
        List<CustomGauge> added = new ArrayList<>();
        try {
            for (Map.Entry<String, GaugeConfig> e : m.gauges().entrySet()) {
                CustomGauge existing = before.get(e.getKey());
                if (existing != null && existing.config().equals(e.getValue())) {
                    next.put(e.getKey(), existing);
                } else {
                    if (existing != null) {
                        registry.unregister(existing.gauge()); // changed: make room for the new definition
                    }
                    CustomGauge g = custom(registry, m, e.getKey(), e.getValue());
                    added.add(g);
                    next.put(e.getKey(), g);
                }
            }
        } catch (ConfigException e) {
            added.forEach(g -> registry.unregister(g.gauge()));
            before.forEach((suffix, g) -> {
                if (!next.containsKey(suffix) || next.get(suffix) != g) {
                    try {
                        registry.register(g.gauge());
                    } catch (IllegalArgumentException | IllegalStateException already) {
                        // still registered
                    }
                }
            });
            throw e;
        }
        before.forEach((suffix, g) -> {
            if (!next.containsKey(suffix)) {
                registry.unregister(g.gauge());
            }
        });
        gauges = java.util.Collections.unmodifiableMap(next);
        setInfo(config);
    }

    private static CustomGauge custom(PrometheusRegistry registry, MetricsConfig m, String suffix, GaugeConfig g) {
        List<String> labels = new ArrayList<>(g.labels());
        labels.add("node");
        labels.add("executionID");
        Gauge gauge = register(registry, "metrics.gauges." + suffix, Gauge.builder()
                .name(m.nameFor(suffix)).help(g.help().isEmpty() ? suffix : g.help())
                .labelNames(labels.toArray(String[]::new)));
        return new CustomGauge(gauge, g);
    }

    private static Gauge register(PrometheusRegistry registry, String key, Gauge.Builder builder) {
        Gauge gauge = builder.build();
        try {
            registry.register(gauge);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigException("key '" + key + "': the metric " + gauge.getPrometheusName()
                    + " collides with a metric that already exists (" + e.getMessage() + "); choose another prefix or suffix");
        }
        return gauge;
    }

    @Override
    public void onExecutionStarted(ExecutionStart start) {
        currentExecutionId.set(Double.parseDouble(start.executionId()));
        pods.set(start.nodes().size());
        // Results come only from running jobs: only the running execution's series can be replaced.
        // The same execution again (resumed after its records were replayed at start-up) keeps what it published.
        synchronized (published) {
            if (!start.executionId().equals(publishedExecution)) {
                published.clear();
                publishedExecution = start.executionId();
            }
        }
    }

    /**
     * The series each node's last result set, for the running execution: a node's new result
     * replaces them (the stored {@code <node>.json} and the metrics agree, and re-posting cannot
     * pile up series). Guarded by itself; listener calls come from the engine's one events thread.
     */
    private final Map<String, List<Runnable>> published = new java.util.HashMap<>();
    private String publishedExecution = "";

    @Override
    public void onResultReceived(String executionId, String node, JobResult result) {
        List<Runnable> removals = new ArrayList<>();
        synchronized (published) {
            if (executionId.equals(publishedExecution)) {
                List<Runnable> earlier = published.remove(node);
                if (earlier != null) {
                    earlier.forEach(Runnable::run);
                }
                published.put(node, removals);
            }
        }
        result.metrics().forEach((suffix, values) -> {
            CustomGauge g = gauges.get(suffix);
            if (g == null) {
                return; // not configured: stored in the report, not published
            }
            for (MetricValue v : values) {
                String[] labelValues = new String[g.labels().size() + 2];
                for (int i = 0; i < g.labels().size(); i++) {
                    labelValues[i] = v.labels().getOrDefault(g.labels().get(i), "");
                }
                labelValues[labelValues.length - 2] = node;
                set(g.gauge(), labelValues, executionId, v.value());
                removals.add(() -> remove(g.gauge(), labelValues));
            }
        });
        set(processing, new String[]{node, null}, executionId, 0);
    }

    @Override
    public void onJobEnded(String executionId, JobSummary job) {
        if (job.outcome() == io.batchjob.core.spi.JobOutcome.REPLACED) {
            return; // as the Go controller (and ResultMetrics): no duration or processing verdict for a replaced job
        }
        set(duration, new String[]{job.node(), null}, executionId, job.durationMillis());
        set(processing, new String[]{job.node(), null}, executionId, job.outcome().isProblem() ? 1 : 0);
    }

    @Override
    public void onExecutionPruned(String executionId) {
        processing.removeIf(l -> executionId.equals(l.get(l.size() - 1)));
        duration.removeIf(l -> executionId.equals(l.get(l.size() - 1)));
        gauges.values().forEach(g -> g.gauge().removeIf(l -> executionId.equals(l.get(l.size() - 1))));
    }

    /** Removes a series set by {@link #set} (and its "latest" copy). */
    private void remove(Gauge gauge, String[] labelValues) {
        gauge.remove(labelValues);
        if (latest) {
            String[] copy = labelValues.clone();
            copy[copy.length - 1] = LATEST;
            gauge.remove(copy);
        }
    }

    /** Sets the series of the execution, and the "latest" series when configured. The last label is the execution. */
    private void set(Gauge gauge, String[] labelValues, String executionId, double value) {
        labelValues[labelValues.length - 1] = executionId;
        gauge.labelValues(labelValues).set(value);
        if (latest) {
            String[] copy = labelValues.clone();
            copy[copy.length - 1] = LATEST;
            gauge.labelValues(copy).set(value);
        }
    }
}

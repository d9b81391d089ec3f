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
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.MetricType;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricFamilyDescriptor;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metrics of the Go controller, same names, labels and values ({@code <p>} is
 * {@code metrics.prefix}):
 * <ul>
 *   <li>{@code <p>_current_execution_id} – the running execution's ID as a number;</li>
 *   <li>{@code <p>_pods} – job pods of the last execution;</li>
 *   <li>{@code <p>_processing{node,executionID}} – 0 once the node reported, 1 when its job ended
 *   failed, timed out or without a report;</li>
 *   <li>{@code <p>_duration{node,executionID}} – job duration in milliseconds;</li>
 *   <li>{@code <p>_<suffix>{<configured labels>,node,executionID}} – each configured gauge; result
 *   entries of unconfigured suffixes and unconfigured labels are ignored, configured labels missing
 *   from a result are empty;</li>
 *   <li>{@code com_github_bakito_batch_job_controller{version,name,prefix,poolSize,reportHistory,cron}} = 1
 *   – the info metric, under the Go controller's name so dashboards keep working.</li>
 * </ul>
 * With {@code latestMetricsLabel} every per-node series is also written with
 * {@code executionID="latest"}. Series of an execution are removed when it is pruned from the
 * report history. At start-up the controller replays the kept executions' records into it
 * ({@link io.batchjob.core.execution.ExecutionRecords#replay}), so a restart loses no series.
 *
 * <p>The per-node series live in {@link ResultSeries} (compact columns, labels shared across
 * executions), not in one prometheus-metrics object per series: {@link MetricsServer} streams them
 * into the exposition. Each family is still registered in the registry (a {@link Collector} under
 * its name), so names collide as before and a plain {@code registry.scrape()} sees them too.
 */
public final class ResultMetrics implements ExecutionListener, io.batchjob.core.spi.ResultFootprint {

    /** Name of the info metric, as the Go controller exposed it. */
    public static final String INFO_METRIC = "com_github_bakito_batch_job_controller";
    static final String LATEST = ResultSeries.LATEST;
    private static final String[] NONE = new String[0];

    private final ResultSeries series;
    private final Gauge currentExecutionId;
    private final Gauge pods;
    private final FamilyCollector processing;
    private final FamilyCollector duration;
    private final PrometheusRegistry registry;
    private final Gauge info;
    private final String version;
    /** The configured gauges; an immutable map replaced whole by {@link #reconfigure} (read on the events thread). */
    private volatile Map<String, CustomGauge> gauges;
    /**
     * Gauges whose help or labels a reload changed, by suffix: they change when the next execution
     * starts (the running one keeps publishing as it started), keeping every kept series. Guarded by this.
     */
    private final Map<String, GaugeConfig> redefinitions = new LinkedHashMap<>();

    private record CustomGauge(FamilyCollector family, GaugeConfig config) {
        List<String> labels() {
            return config.labels();
        }
    }

    /**
     * Registers the metrics.
     *
     * @throws ConfigException when a configured name collides with a metric already in the registry
     */
    public ResultMetrics(ControllerConfig config, PrometheusRegistry registry, String version) {
        MetricsConfig m = config.metrics();
        this.series = new ResultSeries(config.latestMetricsLabel());
        this.registry = registry;
        this.currentExecutionId = register(registry, "metrics.prefix", Gauge.builder()
                .name(m.nameFor("current_execution_id")).help("The current execution ID"));
        this.pods = register(registry, "metrics.prefix", Gauge.builder()
                .name(m.nameFor("pods")).help("The number of pods started for the last execution"));
        this.processing = family("metrics.prefix", m.nameFor("processing"), "Node with processing error, 1: has error / 0: no error", List.of());
        this.duration = family("metrics.prefix", m.nameFor("duration"), "Execution Duration in milliseconds", List.of());
        this.version = version;
        Map<String, CustomGauge> initial = new LinkedHashMap<>();
        m.gauges().forEach((suffix, g) -> initial.put(suffix, custom(m, suffix, g)));
        this.gauges = java.util.Collections.unmodifiableMap(initial);
        this.info = register(registry, "metrics.prefix", Gauge.builder()
                .name(INFO_METRIC).help("information about github.com/bakito/batch-job-controller")
                .labelNames("version", "name", "prefix", "poolSize", "reportHistory", "cron"));
        setInfo(config);
    }

    /** The result series, for {@link MetricsServer} to stream. */
    ResultSeries series() {
        return series;
    }

    private void setInfo(ControllerConfig config) {
        info.clear();
        info.labelValues(version, config.name(), config.metrics().prefix(), Integer.toString(config.podPoolSize()),
                Integer.toString(config.reportHistory()), config.cronExpression()).set(1);
    }

    /**
     * Applies a reloaded config's gauges (the prefix needs a restart): new suffixes are
     * registered, removed ones unregistered with their series; a gauge whose labels or help changed
     * takes the new definition when the next execution starts, with every series it keeps (see
     * {@link ResultSeries#redefine}). The info metric shows the new pool size, history and schedule.
     *
     * @throws ConfigException when a new gauge's name collides with another metric (nothing changed then)
     */
    public synchronized void reconfigure(ControllerConfig config) {
        MetricsConfig m = config.metrics();
        Map<String, CustomGauge> before = gauges;
        Map<String, CustomGauge> next = new LinkedHashMap<>();
        Map<String, GaugeConfig> redefined = new LinkedHashMap<>();
        List<CustomGauge> added = new ArrayList<>();
        try {
            for (Map.Entry<String, GaugeConfig> e : m.gauges().entrySet()) {
                CustomGauge existing = before.get(e.getKey());
                if (existing != null) {
                    // Unchanged, or changed from the next execution on: the running one keeps its definition.
                    next.put(e.getKey(), existing);
                    if (!existing.config().equals(e.getValue())) {
                        redefined.put(e.getKey(), e.getValue());
                    }
                } else {
                    CustomGauge g = custom(m, e.getKey(), e.getValue());
                    added.add(g);
                    next.put(e.getKey(), g);
                }
            }
        } catch (ConfigException e) {
            added.forEach(g -> {
                registry.unregister(g.family());
                series.remove(g.family().family);
            });
            before.forEach((suffix, g) -> {
                if (!next.containsKey(suffix) || next.get(suffix) != g) {
                    try {
                        registry.register(g.family());
                    } catch (IllegalArgumentException | IllegalStateException already) {
                        // still registered
                    }
                    series.restore(g.family().family);
                }
            });
            throw e;
        }
        before.forEach((suffix, g) -> {
            if (!next.containsKey(suffix)) {
                registry.unregister(g.family());
                series.remove(g.family().family);
            }
        });
        gauges = java.util.Collections.unmodifiableMap(next);
        redefinitions.clear(); // a change reverted before the next execution is no change
        redefinitions.putAll(redefined);
        setInfo(config);
    }

    /** On the events thread, as a new execution starts: the gauges a reload changed take their new definition. */
    private synchronized void redefineChangedGauges() {
        if (redefinitions.isEmpty()) {
            return;
        }
        Map<String, CustomGauge> next = new LinkedHashMap<>(gauges);
        redefinitions.forEach((suffix, config) -> {
            CustomGauge old = next.get(suffix);
            if (old == null) {
                return;
            }
            String help = config.help().isEmpty() ? suffix : config.help();
            FamilyCollector collector = new FamilyCollector(old.family().name, help, config.labels());
            registry.unregister(old.family());
            registry.register(collector); // the same name, just freed: no collision
            collector.family = series.redefine(old.family().family, help, config.labels());
            next.put(suffix, new CustomGauge(collector, config));
        });
        redefinitions.clear();
        gauges = java.util.Collections.unmodifiableMap(next);
    }

    private CustomGauge custom(MetricsConfig m, String suffix, GaugeConfig g) {
        return new CustomGauge(family("metrics.gauges." + suffix, m.nameFor(suffix), g.help().isEmpty() ? suffix : g.help(), g.labels()), g);
    }

    /** Registers the family's name (a collision is a configuration error), then defines it in the store. */
    private FamilyCollector family(String key, String name, String help, List<String> labels) {
        FamilyCollector collector = new FamilyCollector(name, help, labels);
        try {
            registry.register(collector);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw collision(key, name, e);
        }
        collector.family = series.define(name, help, labels);
        return collector;
    }

    private static Gauge register(PrometheusRegistry registry, String key, Gauge.Builder builder) {
        Gauge gauge = builder.build();
        try {
            registry.register(gauge);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw collision(key, gauge.getPrometheusName(), e);
        }
        return gauge;
    }

    private static ConfigException collision(String key, String name, RuntimeException e) {
        return new ConfigException("key '" + key + "': the metric " + name
                + " collides with a metric that already exists (" + e.getMessage() + "); choose another prefix or suffix");
    }

    /**
     * A result family in the registry: its name (collision checks, name filters) and, for a scrape
     * that does not stream ({@code registry.scrape()}), its series as an ordinary snapshot.
     */
    private final class FamilyCollector implements Collector {
        private final String name;
        private final String help;
        private final List<String> labels;
        private ResultSeries.Family family;

        FamilyCollector(String name, String help, List<String> labels) {
            this.name = name;
            this.help = help;
            this.labels = labels;
        }

        // Type, label names and help as a Gauge declares them: the registry validates collisions by them.
        @Override
        public MetricFamilyDescriptor getMetricFamilyDescriptor() {
            List<String> all = new ArrayList<>(labels);
            all.add("node");
            all.add("executionID");
            return MetricFamilyDescriptor.of(MetricType.GAUGE, new MetricMetadata(name, help), all);
        }

        @Override
        public MetricSnapshot collect() {
            ResultSeries.FamilyView view = series.view(family);
            GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
            String[] names = view.family().labelNames;
            for (ResultSeries.Column c : view.columns()) {
                for (int row = 0; row < c.size; row++) {
                    String[] values = new String[names.length];
                    for (int p = 0; p < names.length; p++) {
                        values[p] = view.family().value(view.values(), c, row, p);
                    }
                    b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of(names, values)).value(c.samples[row]).build());
                }
            }
            return b.build();
        }

        @Override
        public String toString() {
            return name + labels;
        }
    }

    @Override
    public void onExecutionStarted(ExecutionStart start) {
        redefineChangedGauges();
        currentExecutionId.set(Double.parseDouble(start.executionId()));
        pods.set(start.nodes().size());
        series.executionStarted(start.executionId());
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
     * How many series each node's last result set, for the running execution: a node's new result
     * replaces them (the stored {@code <node>.json} and the metrics agree, and re-posting cannot
     * pile up series). Guarded by itself; listener calls come from the engine's one events thread.
     */
    private final Map<String, Integer> published = new HashMap<>();
    private String publishedExecution = "";

    @Override
    public void onResultReceived(String executionId, String node, JobResult result) {
        Map<String, CustomGauge> configured = gauges;
        int count = 0;
        for (Map.Entry<String, List<MetricValue>> e : result.metrics().entrySet()) {
            count += configured.containsKey(e.getKey()) ? e.getValue().size() : 0;
        }
        boolean replaces;
        synchronized (published) {
            // Counted as the node's before its rows go in, so the series budget never sees them as nobody's.
            replaces = executionId.equals(publishedExecution) && published.put(node, count) != null;
        }
        if (replaces) {
            // Whatever the node's earlier result set in this execution goes: every gauge's rows of the node.
            for (CustomGauge g : configured.values()) {
                series.removeNode(g.family().family, executionId, node);
            }
        }
        for (Map.Entry<String, List<MetricValue>> e : result.metrics().entrySet()) {
            CustomGauge g = configured.get(e.getKey());
            if (g == null) {
                continue; // not configured: stored in the report, not published
            }
            for (MetricValue v : e.getValue()) {
                String[] labelValues = new String[g.labels().size()];
                for (int i = 0; i < labelValues.length; i++) {
                    labelValues[i] = v.labels().getOrDefault(g.labels().get(i), "");
                }
                series.set(g.family().family, executionId, node, labelValues, v.value());
            }
        }
        series.set(processing.family, executionId, node, NONE, 0);
    }

    @Override
    public void onJobEnded(String executionId, JobSummary job) {
        if (job.outcome() == io.batchjob.core.spi.JobOutcome.REPLACED) {
            // As the Go controller: a job a new execution replaced never finished, so it has no duration
            // and no processing verdict (a result it sent before still counts: processing 0).
            return;
        }
        series.set(duration.family, executionId, job.node(), NONE, job.durationMillis());
        series.set(processing.family, executionId, job.node(), NONE, job.outcome().isProblem() ? 1 : 0);
    }

    @Override
    public void onExecutionPruned(String executionId) {
        series.prune(executionId);
    }

    // ---------------------------------------------------------------- footprint (maxSeriesInMemory)

    /** Every series held, of all kept executions, {@code latest} copies and per-node series included. */
    @Override
    public long heldSeries() {
        return series.size();
    }

    /** The series of the job's last result in the running execution (its next result replaces them). */
    @Override
    public long heldSeriesOf(String executionId, String node) {
        synchronized (published) {
            Integer p = executionId.equals(publishedExecution) ? published.get(node) : null;
            return p == null ? 0 : seriesFor(p);
        }
    }

    @Override
    public long seriesFor(long values) {
        return series.keepsLatest() ? 2 * values : values;
    }
}

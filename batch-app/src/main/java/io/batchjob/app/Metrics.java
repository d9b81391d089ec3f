package io.batchjob.app;

import io.batchjob.core.BuildInfo;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.metrics.ControllerMetrics;
import io.batchjob.metrics.ResultMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The controller's metrics, restored from the report directory as they were before a restart: the
 * result series of the kept executions ({@link PublishedExecutions}) and the controller's own
 * counters that alerts depend on ("no execution ended lately", "a node keeps failing").
 *
 * @param registry   what {@code /metrics} serves: JVM, result and controller metrics
 * @param results    the result series (an execution listener)
 * @param published  replays what other replicas or earlier processes published (an execution listener)
 * @param controller the controller's own metrics (an execution listener and callback observer)
 */
record Metrics(PrometheusRegistry registry, ResultMetrics results, PublishedExecutions published, ControllerMetrics controller) {

    private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);

    /**
     * @param jobsInFlight    the jobs created and not yet ended (a gauge, read on scrapes)
     * @param longestInterval the schedule's longest interval, for the staleness alert
     */
    static Metrics restore(ControllerConfig config, ReportStore store, ExecutionRecords records, IntSupplier jobsInFlight,
                           Supplier<Optional<Duration>> longestInterval) {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        ResultMetrics results = new ResultMetrics(config, registry, BuildInfo.version());
        PublishedExecutions published = new PublishedExecutions(store, records, config.metrics().prefix(), results);
        int replayed = published.replay(config.budgets().maxSeriesInMemory());
        LOG.info("result metrics of {} kept executions restored from {}", replayed, store.root());
        ControllerMetrics controller = new ControllerMetrics(registry, jobsInFlight, longestInterval);
        controller.restore(records.executionIds().stream().flatMap(id -> records.summary(id).stream()).toList());
        return new Metrics(registry, results, published, controller);
    }
}

package io.batchjob.core.testing;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.JobEnvContributor;
import io.batchjob.core.spi.NodeSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

/**
 * Test-data builder for an engine on an in-memory backend, a temporary report directory and a
 * manual clock and timer. Close it after the test.
 */
public final class EngineHarness implements AutoCloseable {

    public final ManualClock clock = new ManualClock(Instant.parse("2026-11-27T08:00:00Z"));
    public final ManualTimer timer = new ManualTimer(clock);
    public final RecordingListener listener = new RecordingListener();
    public final List<String> nodes = new CopyOnWriteArrayList<>();
    public final ReportStore store;
    public final InMemoryJobBackend backend;
    public final ExecutionEngine engine;
    public final ControllerConfig config;

    private EngineHarness(Builder b) {
        this.store = new ReportStore(b.reportDir);
        this.backend = b.backend != null ? b.backend : new InMemoryJobBackend(r -> java.util.Optional.empty(), clock, 4);
        this.config = ControllerConfig.builder("test")
                .podPoolSize(b.poolSize)
                .jobTimeout(b.jobTimeout)
                .reportHistory(b.history)
                .reportDirectory(b.reportDir)
                .concurrencyPolicy(b.concurrencyPolicy)
                .budgets(b.budgets)
                .jobRetries(b.retries)
                .jobRetryDelay(b.retryDelay)
                .build();
        this.nodes.addAll(b.nodes);
        NodeSource source = b.nodeSource != null ? b.nodeSource : () -> List.copyOf(nodes);
        io.batchjob.core.execution.ExecutionEngineBuilder engineBuilder = ExecutionEngine.builder();
        b.extraListeners.forEach(engineBuilder::listener); // before the recording one: a blocking listener holds it up
        this.engine = engineBuilder
                .config(config)
                .nodeSource(source)
                .backend(backend)
                .reportStore(store)
                .jobEnvironment(new JobEnvironment("test-ns", new CallbackEndpoint("10.0.0.1", 8090), b.auth, b.contributors))
                .listener(listener)
                .clock(clock)
                .resultBacklogValues(b.resultBacklogValues)
                .resultFootprint(b.footprint)
                .timer(timer)
                .handover(b.handover)
                .build();
    }

    public static Builder builder(Path reportDir) {
        return new Builder(reportDir);
    }

    /** node-000, node-001, ... */
    public static List<String> nodeNames(int n) {
        return IntStream.range(0, n).mapToObj(i -> String.format("node-%03d", i)).toList();
    }

    @Override
    public void close() {
        engine.close();
        backend.close();
    }

    public static final class Builder {
        private final Path reportDir;
        private int poolSize = 2;
        private Duration jobTimeout = Duration.ofMinutes(10);
        private int history = 5;
        private List<String> nodes = nodeNames(3);
        private InMemoryJobBackend backend;
        private NodeSource nodeSource;
        private CallbackAuth auth = CallbackAuth.TOKEN;
        private io.batchjob.core.config.ConcurrencyPolicy concurrencyPolicy = io.batchjob.core.config.ConcurrencyPolicy.REPLACE;
        private final List<JobEnvContributor> contributors = new ArrayList<>();
        private final List<io.batchjob.core.spi.ExecutionListener> extraListeners = new ArrayList<>();
        private long resultBacklogValues = 200_000;
        private io.batchjob.core.config.Budgets budgets = io.batchjob.core.config.Budgets.DEFAULT;
        private io.batchjob.core.spi.ResultFootprint footprint = io.batchjob.core.spi.ResultFootprint.NONE;
        private int retries;
        private io.batchjob.core.spi.ExecutionHandover handover = io.batchjob.core.spi.ExecutionHandover.NONE;
        private Duration retryDelay = Duration.ofSeconds(30);

        private Builder(Path reportDir) {
            this.reportDir = reportDir;
        }

        public Builder poolSize(int v) { this.poolSize = v; return this; }
        public Builder jobTimeout(Duration v) { this.jobTimeout = v; return this; }
        public Builder history(int v) { this.history = v; return this; }
        public Builder nodes(List<String> v) { this.nodes = v; return this; }
        public Builder backend(InMemoryJobBackend v) { this.backend = v; return this; }
        public Builder nodeSource(NodeSource v) { this.nodeSource = v; return this; }
        public Builder auth(CallbackAuth v) { this.auth = v; return this; }
        public Builder concurrencyPolicy(io.batchjob.core.config.ConcurrencyPolicy v) { this.concurrencyPolicy = v; return this; }
        public Builder contributor(JobEnvContributor v) { this.contributors.add(v); return this; }
        public Builder listener(io.batchjob.core.spi.ExecutionListener v) { this.extraListeners.add(v); return this; }
        public Builder resultBacklogValues(long v) { this.resultBacklogValues = v; return this; }
        public Builder budgets(io.batchjob.core.config.Budgets v) { this.budgets = v; return this; }
        public Builder resultFootprint(io.batchjob.core.spi.ResultFootprint v) { this.footprint = v; return this; }

        /** {@code jobRetries} and {@code jobRetryDelay}. */
        public Builder retries(int n, Duration delay) { this.retries = n; this.retryDelay = delay; return this; }

        public Builder handover(io.batchjob.core.spi.ExecutionHandover v) { this.handover = v; return this; }

        public EngineHarness build() {
            return new EngineHarness(this);
        }
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.batchjob.core.testing.ManualClock;
import io.batchjob.core.testing.ManualTimer;
import io.batchjob.core.testing.RecordingListener;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The engine's parts wired by hand, for tests of one part at a time. */
final class RunParts implements AutoCloseable {

    final ManualClock clock = new ManualClock(Instant.parse("2026-11-27T08:00:00Z"));
    final ManualTimer timer = new ManualTimer(clock);
    final RecordingListener listener = new RecordingListener();
    final ReportStore store;
    final FileExecutionRecords records;
    final InMemoryJobBackend backend;
    final EngineEvents events;
    final ExecutorService dispatch = Executors.newFixedThreadPool(2);
    final RunContext context;

    RunParts(Path reports, InMemoryJobBackend backend, ExecutionListener... more) {
        this.store = new ReportStore(reports);
        this.records = new FileExecutionRecords(store);
        this.backend = backend;
        List<ExecutionListener> listeners = new java.util.ArrayList<>(List.of(more));
        listeners.add(0, listener);
        this.events = new EngineEvents(listeners, records, () -> store.fence().refusal());
        this.context = new RunContext(backend, new JobEnvironment("ns", new CallbackEndpoint("10.0.0.1", 8090), CallbackAuth.TOKEN,
                List.of()), timer, dispatch, events, store, records, clock);
    }

    /** A new execution with these nodes pending, its plan written. */
    Execution execution(String id, List<String> nodes) {
        store.createExecution(id);
        records.writePlan(new ExecutionPlan(id, "test", clock.instant(), nodes));
        Execution ex = new Execution(id, "test", clock.instant(), false);
        for (String n : nodes) {
            Job job = new Job(n);
            ex.jobs.put(n, job);
            ex.pending.add(job);
        }
        return ex;
    }

    @Override
    public void close() {
        dispatch.shutdownNow();
        events.close();
        backend.close();
    }
}

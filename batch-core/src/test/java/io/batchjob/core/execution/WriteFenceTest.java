package io.batchjob.core.execution;

import io.batchjob.core.report.FencedWriteException;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.WriteFence;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Behind a closed fence (a deposed leader) nothing is written, no listener is told, no pod is created, nothing is retried later. */
class WriteFenceTest {

    private static final JobResult RESULT = new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of()))));

    @TempDir
    Path reports;

    @Test
    void aClosedFenceRefusesEveryWriteOfTheStoreAndLeavesNoFile() throws Exception {
        ReportStore store = new ReportStore(reports);
        store.write("20261127080000", "before.txt", "x".getBytes());
        store.fenceWith(() -> Optional.of("deposed"));

        assertThatThrownBy(() -> store.write("20261127080000", "a.json", "{}".getBytes())).isInstanceOf(FencedWriteException.class)
                .hasMessage("not writing a.json: deposed");
        assertThatThrownBy(() -> store.appendLine("20261127080000", ExecutionEngine.JOURNAL_FILE, "{}")).isInstanceOf(FencedWriteException.class);
        assertThatThrownBy(() -> store.write("20261127080000", "b.txt", new ByteArrayInputStream(new byte[10]), 100))
                .isInstanceOf(FencedWriteException.class);
        assertThatThrownBy(() -> store.createExecution("20261127090000")).isInstanceOf(FencedWriteException.class);
        assertThatThrownBy(() -> store.pointLatestAt("20261127080000")).isInstanceOf(FencedWriteException.class);
        assertThatThrownBy(() -> store.prune(0)).isInstanceOf(FencedWriteException.class);
        try (Stream<Path> all = Files.walk(reports)) {
            assertThat(all.filter(Files::isRegularFile).map(p -> p.getFileName().toString())).containsExactly("before.txt");
        }
    }

    @Test
    void aDeposedEngineTellsNoListenerWritesNoRecordRetriesNothingAndCreatesNoPod() throws Exception {
        AtomicReference<Optional<String>> refusal = new AtomicReference<>(Optional.empty());
        WriteFence fence = refusal::get;
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b", "c")).poolSize(2)
                .backend(InMemoryJobBackend.manual()).build()) {
            h.store.fenceWith(fence);
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(id).size() == 2);
            await().until(() -> h.listener.events.contains("jobStarted:b"));
            int told = h.listener.events.size();

            refusal.set(Optional.of("the leader Lease was last renewed 20000 ms ago")); // paused past the renew deadline
            h.engine.resultReceived(id, "a", RESULT);
            h.backend.end(id, "a", JobEnd.succeeded()); // frees a slot: c would be launched
            h.backend.end(id, "b", JobEnd.failed("exit code 1"));
            // The engine saw both ends and dispatched c (its state moved on) ...
            await().until(() -> h.engine.liveStatus().map(d -> d.counts().get("PENDING")).orElse(-1) == 0);
            // ... and once everything the engine queued was handled, nothing reached a listener; the launch of c, on a dispatch
            // thread of its own, is watched for a while.
            assertThat(h.engine.awaitEvents(java.time.Duration.ofSeconds(30))).isTrue();
            await().during(java.time.Duration.ofMillis(500)).atMost(java.time.Duration.ofSeconds(3)).until(() -> h.backend.launchCount(id, "c") == 0);

            assertThat(h.listener.events).as("no listener (metrics) told anything").hasSize(told);
            assertThat(h.store.readLines(id, ExecutionEngine.JOURNAL_FILE)).isEmpty();
            assertThat(h.store.readLines(id, ExecutionEngine.RESULTS_FILE)).isEmpty();
            assertThat(h.engine.unwrittenRecords()).as("dropped, not kept for later: the leader records them").isZero();
            assertThat(h.backend.launchCount(id, "c")).as("no pod created").isZero();
        }
    }
}

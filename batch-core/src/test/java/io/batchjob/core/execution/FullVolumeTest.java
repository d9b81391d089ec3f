package io.batchjob.core.execution;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A full report volume is an outcome, not a limbo: records the volume refuses wait in memory in
 * order and are written once it takes them again, so the journal and summary end up complete,
 * the summary agrees with what listeners were told, and a re-run works afterwards.
 */
class FullVolumeTest {

    private static final JobResult RESULT = new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of()))));

    /** Writes until the volume refuses even a byte; returns the filler to delete when space should come back. */
    private static Path fill(Path dir) throws IOException {
        Path filler = dir.resolve("filler");
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int size = 64 * 1024; size >= 1; size /= 2) {
                try {
                    for (int i = 0; i < 100_000; i++) {
                        out.write(new byte[size]);
                        out.flush();
                    }
                    throw new IllegalStateException("the volume never filled");
                } catch (IOException full) {
                    // smaller chunks next, down to one byte
                }
            }
        }
        return filler;
    }

    @Test
    void recordsTheFullVolumeRefusedAreWrittenInOrderOnceItHasSpaceAndTheExecutionCanBeReRun() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setMaxSize(4L << 20).setAttributeViews("basic", "posix").build())) {
            Path reports = fs.getPath("/reports");
            try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b", "c")).poolSize(3)
                    .backend(InMemoryJobBackend.manual()).build()) {
                h.engine.activate();
                String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
                await().until(() -> h.backend.runningNodes(id).size() == 3);
                h.store.write(id, "a.json", "{\"m\":[{\"value\":1}]}".getBytes());
                h.engine.resultReceived(id, "a", RESULT);
                await().until(() -> h.store.readLines(id, ExecutionEngine.RESULTS_FILE).equals(List.of("a")));
                assertThat(h.store.writeProblem()).isEmpty();

                Path filler = fill(reports);
                h.backend.end(id, "a", JobEnd.succeeded());
                h.backend.end(id, "b", JobEnd.failed("exit code 2"));
                h.backend.end(id, "c", JobEnd.succeeded()); // no result: NO_REPORT
                ExecutionSummary told = await().atMost(Duration.ofSeconds(10)).until(() -> h.listener.finished, f -> f.size() == 1).get(0);

                // Finished for the listeners (metrics); on disk only what fitted, the rest waits in memory.
                assertThat(told.counts()).containsEntry(JobOutcome.SUCCEEDED, 1).containsEntry(JobOutcome.FAILED, 1)
                        .containsEntry(JobOutcome.NO_REPORT, 1);
                assertThat(h.store.hasFile(id, ExecutionEngine.SUMMARY_FILE)).isFalse();
                // the three journal lines and the summary
                await().atMost(Duration.ofSeconds(10)).until(() -> h.engine.unwrittenRecords() == 4);
                assertThat(h.store.readLines(id, ExecutionEngine.JOURNAL_FILE)).isEmpty();
                await().atMost(Duration.ofSeconds(10)).until(() -> h.store.writeProblem().isPresent());
                assertThat(h.store.writeProblem().get()).contains("cannot write to /reports");
                assertThat(h.engine.rerun("latest", null)).isInstanceOfSatisfying(TriggerOutcome.Skipped.class,
                        s -> assertThat(s.reason()).contains("has not finished yet"));

                Files.delete(filler); // space is back
                // The retries back off to a minute: on a slow machine space may come back just after one.
                await().atMost(Duration.ofSeconds(75)).until(() -> h.engine.unwrittenRecords() == 0);

                ExecutionSummary onDisk = h.store.readJson(id, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class).orElseThrow();
                assertThat(onDisk.counts()).isEqualTo(told.counts());
                List<String> journal = h.store.readLines(id, ExecutionEngine.JOURNAL_FILE);
                assertThat(journal).hasSize(3);
                assertThat(journal.stream().map(l -> read(h, l).node())).containsExactly("a", "b", "c");
                await().atMost(Duration.ofSeconds(10)).until(() -> h.store.writeProblem().isEmpty());
                TriggerOutcome rerun = h.engine.rerun("latest", null);
                assertThat(rerun).isInstanceOf(TriggerOutcome.Started.class);
                String second = ((TriggerOutcome.Started) rerun).executionId();
                await().until(() -> h.backend.runningNodes(second).size() == 2);
                assertThat(h.backend.runningNodes(second)).containsExactlyInAnyOrder("b", "c");
            }
        }
    }

    private static JobSummary read(EngineHarness h, String line) {
        try {
            return h.store.json().readValue(line, JobSummary.class);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}

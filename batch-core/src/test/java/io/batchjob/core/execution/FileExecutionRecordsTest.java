package io.batchjob.core.execution;

import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.ExecutionRecordsContractTest;
import io.batchjob.core.spi.JobAttempt;
import io.batchjob.core.spi.JobOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The files the controller has always written pass the records contract, in the same layout as before. */
class FileExecutionRecordsTest extends ExecutionRecordsContractTest {

    @TempDir
    Path dir;
    private ReportStore store;

    @Override
    protected ExecutionRecords newRecords() {
        store = new ReportStore(dir);
        return new FileExecutionRecords(store);
    }

    @Test
    void theRecordsAreTheFilesOfEarlierVersionsSoTheirReportDirectoriesResume() throws Exception {
        String id = "20261203100000";
        Instant t0 = Instant.parse("2026-12-03T10:00:00Z");
        records.writePlan(new ExecutionPlan(id, "schedule", t0, List.of("a", "b")));
        records.appendResult(id, "a", 1);
        records.appendResult(id, "b", 2);
        records.appendRetry(id, "b", new JobAttempt(1, JobOutcome.FAILED, t0, t0.plusSeconds(1), "exit code 7"));

        assertThat(store.readLines(id, ExecutionEngine.RESULTS_FILE)).containsExactly("a", "b 2");
        assertThat(store.readLines(id, ExecutionEngine.JOURNAL_FILE)).singleElement().satisfies(line ->
                assertThat(line).startsWith("{\"node\":\"b\",\"retry\":{\"number\":1,\"outcome\":\"FAILED\""));
        assertThat(store.readJson(id, ExecutionEngine.PLAN_FILE, ExecutionPlan.class)).map(ExecutionPlan::nodes).contains(List.of("a", "b"));

        // A report directory without a plan (the Go controller's, or uploads only) is no recorded execution.
        store.write("20261203090000", "node-a.json", "{}".getBytes());
        assertThat(records.executionIds()).containsExactly(id);
        assertThat(Files.isDirectory(dir.resolve("20261203090000"))).isTrue();
    }

    @Test
    void aRecordFileCutShortOrEditedByHandIsIgnoredAndKept() throws Exception {
        String id = "20261203100000";
        records.writePlan(new ExecutionPlan(id, "schedule", Instant.parse("2026-12-03T10:00:00Z"), List.of("a")));
        store.write(id, ExecutionEngine.SUMMARY_FILE, "{\"counts\":{\"SUCCEEDED\":1}".getBytes()); // cut short

        assertThat(records.summary(id)).isEmpty();
        assertThat(records.executionIds()).containsExactly(id);
        assertThat(store.hasFile(id, ExecutionEngine.SUMMARY_FILE)).as("kept for whoever looks").isTrue();
    }
}

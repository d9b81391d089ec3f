package io.batchjob.core.execution;

import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The events thread: order, isolation of failing listeners, records, shutdown. */
class EngineEventsTest {

    @TempDir
    Path reports;

    @Test
    void runsEverythingInOrderOnOneThreadAndAFailingListenerDoesNotStopTheOthers() {
        List<String> seen = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        ExecutionListener failing = new ExecutionListener() {
            @Override
            public void onTriggerSkipped(String cause, String reason) {
                throw new IllegalStateException("boom");
            }
        };
        ExecutionListener recording = new ExecutionListener() {
            @Override
            public void onTriggerSkipped(String cause, String reason) {
                seen.add(cause);
                threads.add(Thread.currentThread().getName());
            }
        };
        ReportStore store = new ReportStore(reports);
        store.createExecution("1");
        EngineEvents events = new EngineEvents(List.of(failing, recording), new FileExecutionRecords(store), () -> store.fence().refusal());
        try {
            for (int i = 0; i < 100; i++) {
                String cause = "t" + i;
                events.publish(l -> l.onTriggerSkipped(cause, "r"));
            }
            events.journal("1", new JobSummary("a", JobOutcome.SUCCEEDED, Instant.EPOCH, Instant.EPOCH, "", true));
            events.resultAccepted("1", "a", 1);
            await().until(() -> seen.size() == 100 && store.readLines("1", ExecutionEngine.RESULTS_FILE).size() == 1);
            assertThat(seen).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100).mapToObj(i -> "t" + i).toList());
            assertThat(threads).containsOnly("batch-events-1");
            assertThat(store.readLines("1", ExecutionEngine.JOURNAL_FILE)).singleElement().asString().contains("\"node\":\"a\"");
        } finally {
            events.close();
        }
        AtomicBoolean dropped = new AtomicBoolean();
        events.queue(() -> { }, () -> dropped.set(true));
        assertThat(dropped).as("after close, the task is dropped and the caller told").isTrue();
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.testing.InMemoryJobBackend;
import io.batchjob.core.testing.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Preparing an execution: nodes, plan, clean-up, history. */
class ExecutionStarterTest {

    @TempDir
    Path reports;

    @Test
    void writesThePlanWithTheUsableNodesPointsLatestAtItAndPrunesTheHistory() throws Exception {
        try (RunParts parts = new RunParts(reports, InMemoryJobBackend.manual())) {
            List<String> listed = new ArrayList<>(List.of("a", "_hidden", ".dot", "a", "b/c", "b"));
            listed.add(null);
            ExecutionStarter starter = new ExecutionStarter(() -> listed, parts.context, new ExecutionIds(parts.clock, 0));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ExecutionStarter.Prepared.Ready ready = (ExecutionStarter.Prepared.Ready) starter.prepare(TriggerRequest.of("test"), 2);
                ids.add(ready.execution().id);
                assertThat(ready.execution().jobs.keySet()).containsExactly("a", "b");
                assertThat(ready.execution().pending).hasSize(2);
                if (i >= 2) {
                    assertThat(ready.pruned()).containsExactly(ids.get(i - 2));
                }
                parts.clock.advance(java.time.Duration.ofSeconds(1));
            }
            String last = ids.get(3);
            assertThat(parts.store.readJson(last, ExecutionEngine.PLAN_FILE, ExecutionPlan.class)).get()
                    .satisfies(p -> assertThat(p.nodes()).containsExactly("a", "b"));
            assertThat(parts.store.latest()).contains(last);
            assertThat(parts.store.executionIds()).containsExactly(ids.get(2), ids.get(3));
        }
    }

    @Test
    void aRerunTakesTheGivenNodesAndFailuresAreReportedNotThrown() throws Exception {
        try (RunParts parts = new RunParts(reports, InMemoryJobBackend.manual())) {
            ExecutionStarter failing = new ExecutionStarter(() -> {
                throw new IllegalStateException("API server unavailable");
            }, parts.context, new ExecutionIds(parts.clock, 0));
            assertThat(failing.prepare(TriggerRequest.of("test"), 5)).isInstanceOfSatisfying(ExecutionStarter.Prepared.Failed.class,
                    f -> assertThat(f.reason()).isEqualTo("cannot list nodes: API server unavailable"));
            // Given nodes are used as they are (the source is not asked).
            ExecutionStarter.Prepared.Ready ready = (ExecutionStarter.Prepared.Ready) failing.prepare(new TriggerRequest("rerun:1", List.of("x", "y"), "rerun=1", List.of("z")), 5);
            assertThat(ready.execution().jobs.keySet()).containsExactly("x", "y");
            assertThat(ready.execution().cause).isEqualTo("rerun:1");
            // The plan records the request and the skipped nodes; an old plan without them still reads.
            assertThat(parts.store.readJson(ready.execution().id, ExecutionEngine.PLAN_FILE, ExecutionPlan.class)).get()
                    .satisfies(p -> {
                        assertThat(p.request()).isEqualTo("rerun=1");
                        assertThat(p.skipped()).containsExactly("z");
                    });
            assertThat(RecordedExecution.anyAnswers(parts.records, "rerun=1")).isTrue();
            assertThat(RecordedExecution.anyAnswers(parts.records, "run=other")).isFalse();
            parts.store.write(ready.execution().id, "old-plan.json", "{\"executionId\":\"1\",\"cause\":\"schedule\",\"startedAt\":\"2026-11-27T08:00:00Z\",\"nodes\":[\"a\"]}".getBytes());
            assertThat(parts.store.readJson(ready.execution().id, "old-plan.json", ExecutionPlan.class)).get()
                    .satisfies(p -> {
                        assertThat(p.request()).isNull();
                        assertThat(p.skipped()).isEmpty();
                    });

            // An unwritable report directory fails the preparation with a reason.
            Path file = Files.writeString(reports.resolve("blocked"), "not a directory");
            try (RunParts blocked = new RunParts(file, InMemoryJobBackend.manual())) {
                ExecutionStarter starter = new ExecutionStarter(() -> List.of("a"), blocked.context,
                        new ExecutionIds(new ManualClock(Instant.parse("2026-11-27T09:00:00Z")), 0));
                assertThat(starter.prepare(TriggerRequest.of("test"), 5)).isInstanceOfSatisfying(ExecutionStarter.Prepared.Failed.class,
                        f -> assertThat(f.reason()).startsWith("cannot write to the report directory"));
            } catch (RuntimeException e) {
                // A store on a file cannot even be opened: that is refused earlier, also fine for this check.
                assertThat(Optional.ofNullable(e.getMessage())).isPresent();
            }
        }
    }
}

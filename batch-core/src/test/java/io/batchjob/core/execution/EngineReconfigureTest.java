package io.batchjob.core.execution;

import io.batchjob.core.config.ConcurrencyPolicy;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A new configuration applies from the next execution; the running one keeps the settings it started with. */
class EngineReconfigureTest {

    @TempDir
    Path reports;

    @Test
    void theRunningExecutionKeepsItsPoolAndTheNextUsesTheNewSettings() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b", "c", "d")).poolSize(1)
                .backend(InMemoryJobBackend.manual()).build()) {
            h.engine.activate();
            String first = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(first).size() == 1);

            h.engine.reconfigure(h.config.toBuilder().podPoolSize(3).concurrencyPolicy(ConcurrencyPolicy.FORBID)
                    .jobTimeout(Duration.ofMinutes(1)).build());
            assertThat(h.engine.config().podPoolSize()).isEqualTo(3);
            h.backend.end(first, "a", JobEnd.succeeded());
            await().until(() -> h.backend.runningNodes(first).contains("b"));
            assertThat(h.backend.runningNodes(first)).as("still pool 1").hasSize(1);

            // The new concurrency policy applies at once: Forbid skips while the first runs.
            assertThat(h.engine.trigger("schedule")).isInstanceOf(TriggerOutcome.Skipped.class);
            for (String n : List.of("b", "c", "d")) {
                await().until(() -> h.backend.runningNodes(first).contains(n));
                h.backend.end(first, n, JobEnd.succeeded());
            }
            await().until(() -> h.engine.progress().isEmpty());
            h.clock.advance(Duration.ofMinutes(1));
            String second = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(second).size() == 3);
            assertThat(h.backend.request(second, "a").orElseThrow().timeout()).isEqualTo(Duration.ofMinutes(1));
        }
    }
}

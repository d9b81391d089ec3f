package io.batchjob.core.execution;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.RecordingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A controller that restarts, or a new leader, takes over an unfinished execution. */
class ResumeTest {

    private static final JobResult RESULT = new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of()))));
    private static final List<String> NODES = List.of("a", "b", "c", "d", "e", "f");

    @TempDir
    Path reports;

    /** A second engine on the same report directory and backend, as a restarted controller would be. */
    private static ExecutionEngine successor(EngineHarness first, RecordingListener listener) {
        return ExecutionEngine.builder()
                .config(first.config)
                .nodeSource(() -> List.copyOf(first.nodes))
                .backend(first.backend)
                .reportStore(new io.batchjob.core.report.ReportStore(first.store.root()))
                .jobEnvironment(new JobEnvironment("test-ns", new CallbackEndpoint("10.0.0.2", 8090), CallbackAuth.TOKEN, List.of()))
                .listener(listener)
                .clock(first.clock)
                .timer(first.timer)
                .build();
    }

    @Test
    void theStartUpTriggerLeavesAResumedExecutionToFinishWhileAScheduledOneReplacesIt() throws Exception {
        // Every job launched: a scheduled trigger replaces only an execution that is not still launching.
        try (EngineHarness h = EngineHarness.builder(reports).nodes(NODES).poolSize(NODES.size()).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(id).size() == NODES.size());
            h.engine.deactivate();
            h.backend.detachListeners();

            RecordingListener listener = new RecordingListener();
            try (ExecutionEngine next = successor(h, listener)) {
                assertThat(next.activate()).contains(id);

                assertThat(next.triggerAtStartup("startup")).isInstanceOfSatisfying(TriggerOutcome.Skipped.class,
                        s -> assertThat(s.reason()).isEqualTo("execution " + id + " was resumed at start-up and still runs"));
                assertThat(h.backend.runningNodes(id)).hasSize(NODES.size());

                assertThat(next.trigger("schedule")).as("concurrencyPolicy Replace").isInstanceOf(TriggerOutcome.Started.class);
                await().until(() -> listener.finished.size() == 1);
                assertThat(listener.finished.get(0).executionId()).isEqualTo(id);
                assertThat(listener.finished.get(0).counts()).containsEntry(JobOutcome.REPLACED, NODES.size());
            }
        }
    }

    @Test
    void afterARestartReportedMeansAResultTheEngineRecordedNotAFileThatHappensToExist() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).poolSize(2).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(id).size() == 2);
            h.engine.resultReceived(id, "a", RESULT);
            h.store.write(id, "a.json", "{}".getBytes());
            await().until(() -> h.store.readLines(id, ExecutionEngine.RESULTS_FILE).size() == 1);
            // b never reported; a file named like its result appears anyway (e.g. written by another node).
            h.store.write(id, "b.json", "{}".getBytes());
            h.engine.deactivate();
            h.backend.detachListeners();

            RecordingListener listener = new RecordingListener();
            try (ExecutionEngine next = successor(h, listener)) {
                assertThat(next.activate()).contains(id);
                h.backend.end(id, "a", JobEnd.succeeded());
                h.backend.end(id, "b", JobEnd.succeeded());
                await().until(() -> listener.finished.size() == 1);
                Map<String, JobOutcome> outcomes = listener.finished.get(0).jobs().stream()
                        .collect(java.util.stream.Collectors.toMap(JobSummary::node, JobSummary::outcome));
                assertThat(outcomes).containsEntry("a", JobOutcome.SUCCEEDED).containsEntry("b", JobOutcome.NO_REPORT);
            }
        }
    }

    @Test
    void aRestartedControllerFinishesTheExecutionWithoutRunningANodeTwice() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(NODES).poolSize(2).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("schedule");
            String id = s.executionId();
            await().until(() -> h.backend.runningNodes(id).size() == 2);
            // a reports and ends; b reports; then the controller dies.
            String secretB = h.backend.request(id, "b").orElseThrow().callbackSecret();
            h.engine.resultReceived(id, "a", RESULT);
            h.store.write(id, "a.json", "{}".getBytes());
            h.backend.end(id, "a", JobEnd.succeeded());
            await().until(() -> h.backend.runningNodes(id).size() == 2); // c started in a's slot
            h.engine.resultReceived(id, "b", RESULT);
            h.store.write(id, "b.json", "{}".getBytes());
            await().until(() -> h.store.readLines(id, ExecutionEngine.JOURNAL_FILE).size() == 1);
            h.engine.deactivate();
            h.backend.detachListeners();
            assertThatThrownBy(() -> s.completion().get()).isInstanceOf(CancellationException.class);
            // c ends while no controller runs.
            h.backend.end(id, "c", JobEnd.failed("exit code 4"));

            RecordingListener listener = new RecordingListener();
            try (ExecutionEngine next = successor(h, listener)) {
                assertThat(next.activate()).contains(id);
                // The secret handed to b's job still works after the restart.
                assertThat(next.callbacks().verifySecret(id, "b", secretB)).isTrue();
                await().until(() -> h.backend.runningNodes(id).size() == 2);
                h.backend.end(id, "b", JobEnd.succeeded());
                for (String node : List.of("d", "e", "f")) {
                    await().until(() -> h.backend.runningNodes(id).contains(node));
                    next.resultReceived(id, node, RESULT);
                    h.backend.end(id, node, JobEnd.succeeded());
                }
                await().until(() -> listener.finished.size() == 1);
                ExecutionSummary summary = listener.finished.get(0);

                assertThat(summary.resumed()).isTrue();
                assertThat(summary.jobs()).extracting(JobSummary::node, JobSummary::outcome).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a", JobOutcome.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple("b", JobOutcome.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple("c", JobOutcome.FAILED),
                        org.assertj.core.groups.Tuple.tuple("d", JobOutcome.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple("e", JobOutcome.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple("f", JobOutcome.SUCCEEDED));
                for (String node : NODES) {
                    assertThat(h.backend.launchCount(id, node)).as("launches of %s", node).isEqualTo(1);
                }
                assertThat(h.backend.peakRunning()).isEqualTo(2);
                assertThat(listener.starts).singleElement().satisfies(st -> {
                    assertThat(st.resumed()).isTrue();
                    assertThat(st.executionId()).isEqualTo(id);
                });
                assertThat(h.store.hasFile(id, ExecutionEngine.SUMMARY_FILE)).isTrue();
            }
        }
    }

    @Test
    void afterAFinishedExecutionNothingIsResumedAndNewIdsAreHigher() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("schedule");
            await().until(() -> h.backend.running() == 1);
            h.backend.end(s.executionId(), "a", JobEnd.succeeded());
            s.completion().get(10, TimeUnit.SECONDS);
            h.engine.close();
            h.clock.set(h.clock.instant().minus(Duration.ofDays(1))); // the new controller's clock is behind

            RecordingListener listener = new RecordingListener();
            try (ExecutionEngine next = successor(h, listener)) {
                assertThat(next.activate()).isEmpty();
                TriggerOutcome.Started again = (TriggerOutcome.Started) next.trigger("schedule");
                assertThat(Long.parseLong(again.executionId())).isGreaterThan(Long.parseLong(s.executionId()));
            }
        }
    }

    @Test
    void aResumedJobThatOutlivesItsTimeoutIsTimedOut() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).jobTimeout(Duration.ofMinutes(10)).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("schedule");
            await().until(() -> h.backend.running() == 1);
            h.engine.deactivate();
            h.backend.detachListeners();
            h.clock.advance(Duration.ofMinutes(7)); // the restart took 7 minutes

            RecordingListener listener = new RecordingListener();
            try (ExecutionEngine next = successor(h, listener)) {
                next.activate();
                h.timer.advance(Duration.ofMinutes(2));
                assertThat(next.progress()).get().extracting(ExecutionProgress::ended).isEqualTo(0);
                h.timer.advance(Duration.ofMinutes(1));

                await().until(() -> listener.finished.size() == 1);
                assertThat(listener.finished.get(0).jobs().get(0).outcome()).isEqualTo(JobOutcome.TIMED_OUT);
                assertThat(h.backend.launchCount(s.executionId(), "a")).isEqualTo(1);
            }
        }
    }

    @Test
    void aDeactivatedEngineStopsDispatchingButLeavesItsJobsRunning() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(NODES).poolSize(2).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("schedule");
            await().until(() -> h.backend.running() == 2);

            h.engine.deactivate();
            h.backend.end(s.executionId(), "a", JobEnd.succeeded());

            assertThat(h.engine.trigger("schedule")).isInstanceOf(TriggerOutcome.Skipped.class);
            assertThat(h.backend.running()).isEqualTo(1);
            assertThat(h.backend.totalLaunches()).isEqualTo(2);
            assertThat(h.engine.progress()).isEmpty();
            assertThatThrownBy(() -> s.completion().get()).isInstanceOfAny(CancellationException.class, ExecutionException.class);
        }
    }

    @Test
    void theControllerThatTakesOverTellsItsListenersTheResultsAndEndsTheEarlierOneRecorded() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b", "c")).poolSize(3).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(id).size() == 3);
            h.store.write(id, "a.json", "{\"m\":[{\"value\":1}]}".getBytes());
            h.engine.resultReceived(id, "a", RESULT);
            h.backend.end(id, "a", JobEnd.succeeded());
            h.store.write(id, "b.json", "{\"m\":[{\"value\":2}]}".getBytes());
            h.engine.resultReceived(id, "b", RESULT);
            await().until(() -> h.store.readLines(id, ExecutionEngine.JOURNAL_FILE).size() == 1
                    && h.store.readLines(id, ExecutionEngine.RESULTS_FILE).size() == 2);
            h.engine.deactivate();
            h.backend.detachListeners();

            RecordingListener listener = new RecordingListener();
            try (ExecutionEngine next = successor(h, listener)) {
                assertThat(next.activate()).contains(id);
                // A standby replica never saw these: its metrics would lack them.
                await().until(() -> listener.events.containsAll(List.of("result:a", "result:b", "jobEnded:a:SUCCEEDED")));
                assertThat(listener.events.indexOf("started:" + id)).isLessThan(listener.events.indexOf("result:a"));
                assertThat(listener.events).doesNotContain("result:c");
            }
        }
    }

}

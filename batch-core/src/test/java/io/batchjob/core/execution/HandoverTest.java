package io.batchjob.core.execution;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryExecutionHandover;
import io.batchjob.core.testing.RecordingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A new leader with a report directory of its own (each replica a ReadWriteOnce volume) takes the
 * running execution over from the handover record and the backend's jobs: what ended before is
 * named in the summary, what runs is adopted, what never started is started, nothing runs twice.
 */
class HandoverTest {

    private static final JobResult RESULT = new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of()))));

    @TempDir
    Path first;
    @TempDir
    Path second;

    @Test
    void aLeaderWithoutTheEarlierReportDirectoryAdoptsTheExecutionFromTheHandoverAndNamesTheResultsItCannotSee() throws Exception {
        InMemoryExecutionHandover handover = new InMemoryExecutionHandover();
        try (EngineHarness h = EngineHarness.builder(first).nodes(List.of("a", "b", "c", "d", "e")).poolSize(3).retries(1, Duration.ZERO)
                .handover(handover).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(id).size() == 3);
            assertThat(handover.unfinished()).map(ExecutionPlan::executionId).contains(id);
            h.engine.resultReceived(id, "a", RESULT);
            h.backend.end(id, "a", JobEnd.succeeded());
            await().until(() -> h.backend.runningNodes(id).size() == 3); // d started in a's slot
            // Then the leader dies; meanwhile b's pod fails (it has a retry left), c and d keep running, e never started.
            h.engine.deactivate();
            h.backend.detachListeners();
            h.backend.end(id, "b", JobEnd.failed("exit code 7"));

            RecordingListener listener = new RecordingListener();
            try (ExecutionEngine next = ExecutionEngine.builder().config(h.config).nodeSource(() -> List.copyOf(h.nodes)).backend(h.backend)
                    .reportStore(new ReportStore(second))
                    .jobEnvironment(new JobEnvironment("test-ns", new CallbackEndpoint("10.0.0.2", 8090), CallbackAuth.TOKEN, List.of()))
                    .listener(listener).clock(h.clock).timer(h.timer).handover(handover).build()) {
                assertThat(next.activate()).as("adopted from the handover record").contains(id);
                assertThat(next.liveStatus().orElseThrow().unseen()).as("the status API says it at once").containsExactly("a");
                assertThat(new ReportStore(second).executionIds()).containsExactly(id);
                await().until(() -> h.backend.runningNodes(id).containsAll(List.of("c", "d", "e")));
                next.resultReceived(id, "c", RESULT);
                h.backend.end(id, "c", JobEnd.succeeded()); // a slot for b's next attempt
                await().until(() -> {
                    h.timer.advance(Duration.ZERO); // b's retry, once it is scheduled
                    return h.backend.request(id, "b").map(r -> r.attempt() == 2).orElse(false);
                });
                for (String node : List.of("b", "d", "e")) {
                    next.resultReceived(id, node, RESULT);
                    h.backend.end(id, node, JobEnd.succeeded());
                }

                await().until(() -> listener.finished.size() == 1);
                ExecutionSummary summary = listener.finished.get(0);
                assertThat(summary.unseen()).containsExactly("a");
                Map<String, JobSummary> jobs = summary.jobs().stream().collect(Collectors.toMap(JobSummary::node, j -> j));
                assertThat(jobs.get("a").outcome()).isEqualTo(JobOutcome.SUCCEEDED);
                assertThat(jobs.get("a").reported()).isFalse();
                assertThat(jobs.get("a").reason()).contains("ended before this controller took the execution over");
                assertThat(jobs.get("b").attempts()).isEqualTo(2);
                assertThat(jobs.values()).allSatisfy(j -> assertThat(j.outcome()).isEqualTo(JobOutcome.SUCCEEDED));
                for (String node : List.of("a", "c", "d", "e")) {
                    assertThat(h.backend.launchCount(id, node)).as(node + " ran once").isEqualTo(1);
                }
                await().until(() -> handover.unfinished().isEmpty());
                assertThat(new ReportStore(second).readJson(id, ExecutionEngine.SUMMARY_FILE, ExecutionSummary.class))
                        .map(ExecutionSummary::unseen).contains(List.of("a"));
                assertThat(new ReportStore(first).hasFile(id, ExecutionEngine.SUMMARY_FILE)).as("the old volume is left as it was").isFalse();
                assertThat(new ExecutionStatus(new ReportStore(second), new FileExecutionRecords(new ReportStore(second)), Optional::empty).execution(id).orElseThrow().unseen())
                        .containsExactly("a");
                assertThat(new ExecutionStatus(new ReportStore(first), new FileExecutionRecords(new ReportStore(first)), Optional::empty).execution(id).orElseThrow().unseen())
                        .as("none named where nothing was taken over").isNull();
            }
        }
    }

    @Test
    void anExecutionThisReportDirectoryHasIsResumedFromItNotFromTheHandover() throws Exception {
        InMemoryExecutionHandover handover = new InMemoryExecutionHandover();
        try (EngineHarness h = EngineHarness.builder(first).nodes(List.of("a")).poolSize(1).handover(handover).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.running() == 1);
            h.engine.resultReceived(id, "a", RESULT);
            h.backend.end(id, "a", JobEnd.succeeded());
            await().until(() -> h.engine.progress().isEmpty() && handover.unfinished().isEmpty());
            h.engine.deactivate();

            try (ExecutionEngine next = ExecutionEngine.builder().config(h.config).nodeSource(() -> List.copyOf(h.nodes)).backend(h.backend)
                    .reportStore(new ReportStore(first))
                    .jobEnvironment(new JobEnvironment("test-ns", new CallbackEndpoint("10.0.0.2", 8090), CallbackAuth.TOKEN, List.of()))
                    .clock(h.clock).timer(h.timer).handover(handover).build()) {
                assertThat(next.activate()).as("finished: nothing to resume").isEqualTo(Optional.empty());
            }
        }
    }

    @Test
    void whileANewLeaderReadsTheHandoverItIsTakingOverAndNotYetDispatching() throws Exception {
        java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        io.batchjob.core.spi.ExecutionHandover slow = new io.batchjob.core.spi.ExecutionHandover() {
            @Override
            public void started(ExecutionPlan plan) {
            }

            @Override
            public void finished(String executionId) {
            }

            @Override
            public Optional<ExecutionPlan> unfinished() {
                reading.countDown();
                try {
                    release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Optional.empty();
            }
        };
        try (EngineHarness h = EngineHarness.builder(first).nodes(List.of("a")).handover(slow).build()) {
            assertThat(h.engine.isTakingOver()).as("not activated").isFalse();
            Thread activation = new Thread(h.engine::activate);
            activation.start();
            assertThat(reading.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            assertThat(h.engine.isTakingOver()).isTrue();
            assertThat(h.engine.isDispatching()).isFalse();

            release.countDown();
            activation.join(10_000);
            assertThat(h.engine.isTakingOver()).isFalse();
            assertThat(h.engine.isDispatching()).isTrue();
        }
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.report.ReportStore;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobAttempt;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.RecordingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/** {@code jobRetries}: a node whose attempt did not succeed is started again within its execution. */
class JobRetriesTest {

    private static final JobResult RESULT = new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of()))));

    @TempDir
    Path reports;

    @Test
    void aFailedJobStartsAgainAfterTheDelayWithANewSecretAndTheSummaryCountsItsAttempts() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).poolSize(1).retries(2, Duration.ofSeconds(30)).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            String id = s.executionId();
            JobRequest first = await().until(() -> h.backend.request(id, "a"), java.util.Optional::isPresent).orElseThrow();
            assertThat(first.attempt()).isEqualTo(1);

            h.backend.end(id, "a", JobEnd.failed("exit code 1"));

            await().until(() -> h.listener.events.contains("jobRetrying:a:1:FAILED"));
            assertThat(h.listener.events).doesNotContain("jobEnded:a:FAILED");
            assertThat(h.engine.callbacks().verifySecret(id, "a", first.callbackSecret())).as("the ended attempt's secret").isFalse();
            ExecutionStatus.NodeStatus waiting = h.engine.liveStatus().orElseThrow().nodes().get(0);
            assertThat(waiting.state()).isEqualTo(JobState.RETRYING);
            assertThat(waiting.reason()).isEqualTo("exit code 1");
            assertThat(h.engine.liveStatus().orElseThrow().counts()).containsEntry("RETRYING", 1);

            h.timer.advance(Duration.ofSeconds(29));
            assertThat(h.backend.launchCount(id, "a")).as("not before jobRetryDelay").isEqualTo(1);
            h.timer.advance(Duration.ofSeconds(1));
            JobRequest second = await().until(() -> h.backend.request(id, "a").filter(r -> r.attempt() == 2), java.util.Optional::isPresent)
                    .orElseThrow();
            assertThat(second.callbackSecret()).isNotEqualTo(first.callbackSecret());
            assertThat(h.engine.callbacks().verifySecret(id, "a", second.callbackSecret())).isTrue();
            assertThat(h.engine.callbacks().attemptOf(id, "a")).isEqualTo(2);
            assertThat(h.engine.liveStatus().orElseThrow().nodes().get(0)).satisfies(n -> {
                assertThat(n.state()).isEqualTo(JobState.RUNNING);
                assertThat(n.attempts()).isEqualTo(2);
            });

            h.engine.resultReceived(id, "a", RESULT);
            h.backend.end(id, "a", JobEnd.succeeded());
            ExecutionSummary summary = s.completion().get(10, TimeUnit.SECONDS);
            JobSummary a = summary.jobs().get(0);
            assertThat(a.outcome()).isEqualTo(JobOutcome.SUCCEEDED);
            assertThat(a.attempts()).isEqualTo(2);
            assertThat(a.retried()).extracting(JobAttempt::number, JobAttempt::outcome, JobAttempt::reason)
                    .containsExactly(tuple(1, JobOutcome.FAILED, "exit code 1"));
            assertThat(a.startedAt()).as("the last attempt's start").isEqualTo(h.clock.instant());
            // The journal has the attempt and the end; what is recorded reads back the same.
            assertThat(h.store.readLines(id, ExecutionEngine.JOURNAL_FILE)).hasSize(2);
            assertThat(h.store.readLines(id, ExecutionEngine.RESULTS_FILE)).containsExactly("a 2");
            ExecutionStatus.Detail recorded = new ExecutionStatus(h.store, new FileExecutionRecords(h.store), java.util.Optional::empty).execution(id).orElseThrow();
            assertThat(recorded.nodes().get(0)).satisfies(n -> {
                assertThat(n.attempts()).isEqualTo(2);
                assertThat(n.retried()).extracting(JobAttempt::reason).containsExactly("exit code 1");
            });
        }
    }

    @Test
    void afterJobRetriesTheLastAttemptsOutcomeIsTheNodes() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).poolSize(1).retries(1, Duration.ZERO).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            String id = s.executionId();
            await().until(() -> h.backend.running() == 1);
            h.backend.end(id, "a", JobEnd.succeeded()); // no result: retried
            h.timer.advance(Duration.ZERO);
            await().until(() -> h.backend.request(id, "a").map(JobRequest::attempt).orElse(0) == 2 && h.backend.running() == 1);
            h.backend.end(id, "a", JobEnd.failed("exit code 3"));

            JobSummary a = s.completion().get(10, TimeUnit.SECONDS).jobs().get(0);
            assertThat(a.outcome()).isEqualTo(JobOutcome.FAILED);
            assertThat(a.reason()).isEqualTo("exit code 3");
            assertThat(a.attempts()).isEqualTo(2);
            assertThat(a.retried()).extracting(JobAttempt::outcome).containsExactly(JobOutcome.NO_REPORT);
            assertThat(h.backend.launchCount(id, "a")).isEqualTo(2);
        }
    }

    @Test
    void aTimedOutAttemptIsStoppedBeforeTheNextStartsAndTheyNeverRunAtOnce() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).poolSize(2).jobTimeout(Duration.ofMinutes(5))
                .retries(1, Duration.ZERO).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            String id = s.executionId();
            await().until(() -> h.backend.running() == 2);
            h.engine.resultReceived(id, "b", RESULT);
            h.backend.end(id, "b", JobEnd.succeeded());

            h.timer.advance(Duration.ofMinutes(5));
            await().until(() -> h.listener.events.contains("jobRetrying:a:1:TIMED_OUT"));
            await().until(() -> {
                h.timer.advance(Duration.ZERO); // the next attempt is queued once the timed-out one is stopped
                return h.backend.request(id, "a").map(JobRequest::attempt).orElse(0) == 2;
            });
            assertThat(h.backend.runningNodes(id)).containsExactly("a");
            h.engine.resultReceived(id, "a", RESULT);
            h.backend.end(id, "a", JobEnd.succeeded());

            ExecutionSummary summary = s.completion().get(10, TimeUnit.SECONDS);
            assertThat(summary.jobs()).extracting(JobSummary::node, JobSummary::outcome, JobSummary::attempts)
                    .containsExactly(tuple("a", JobOutcome.SUCCEEDED, 2), tuple("b", JobOutcome.SUCCEEDED, 1));
            assertThat(summary.jobs().get(0).retried()).extracting(JobAttempt::reason).containsExactly("the job ran longer than jobTimeout 5m0s");
            assertThat(h.backend.peakRunning()).as("the pool, and never two attempts of a node at once").isEqualTo(2);
        }
    }

    @Test
    void aResultOfAnAttemptThatEndedWithoutOneLandsDuringTheDelayAndTheNodeSucceedsWithoutAnotherAttempt() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).poolSize(1).retries(3, Duration.ofMinutes(1)).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            String id = s.executionId();
            await().until(() -> h.backend.running() == 1);
            h.backend.end(id, "a", JobEnd.succeeded()); // the watch saw the end before the result was stored
            await().until(() -> h.listener.events.contains("jobRetrying:a:1:NO_REPORT"));

            h.engine.resultReceived(id, "a", RESULT);

            JobSummary a = s.completion().get(10, TimeUnit.SECONDS).jobs().get(0);
            assertThat(a.outcome()).isEqualTo(JobOutcome.SUCCEEDED);
            assertThat(a.attempts()).isEqualTo(1);
            assertThat(a.retried()).isEmpty();
            h.timer.advance(Duration.ofMinutes(2));
            assertThat(h.backend.launchCount(id, "a")).as("no attempt after the node succeeded").isEqualTo(1);
        }
    }

    @Test
    void aFailedAttemptsResultIsRefusedDuringTheDelay() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).poolSize(1).retries(1, Duration.ofMinutes(1)).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("test")).executionId();
            await().until(() -> h.backend.running() == 1);
            h.backend.end(id, "a", JobEnd.failed("exit code 1"));
            await().until(() -> h.listener.events.contains("jobRetrying:a:1:FAILED"));

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.engine.callbacks().checkAcceptsCallbacks(id, "a"))
                    .isInstanceOf(UnknownJobException.class).hasMessageContaining("attempt 1 of node a").hasMessageContaining("jobRetryDelay");
        }
    }

    @Test
    void aNewTriggerReplacesAnExecutionWhoseNodeWaitsForItsNextAttempt() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).poolSize(1).retries(1, Duration.ofMinutes(1)).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            String id = s.executionId();
            await().until(() -> h.backend.running() == 1);
            h.backend.end(id, "a", JobEnd.failed("exit code 1"));
            await().until(() -> h.listener.events.contains("jobRetrying:a:1:FAILED"));

            h.clock.advance(Duration.ofMinutes(1)); // a new minute: a new execution ID
            assertThat(h.engine.trigger("schedule")).isInstanceOf(TriggerOutcome.Started.class);

            JobSummary a = s.completion().get(10, TimeUnit.SECONDS).jobs().get(0);
            assertThat(a.outcome()).isEqualTo(JobOutcome.REPLACED);
            assertThat(a.retried()).extracting(JobAttempt::outcome).containsExactly(JobOutcome.FAILED);
            h.timer.advance(Duration.ofMinutes(2));
            assertThat(h.backend.launchCount(id, "a")).as("the replaced execution starts nothing").isEqualTo(1);
        }
    }

    @Test
    void aControllerThatTakesOverDuringTheDelayStartsTheNextAttemptWhenTheDelayIsOver() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).poolSize(2).retries(2, Duration.ofSeconds(30)).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("test")).executionId();
            await().until(() -> h.backend.running() == 2);
            h.backend.end(id, "a", JobEnd.failed("exit code 1"));
            await().until(() -> h.store.readLines(id, ExecutionEngine.JOURNAL_FILE).size() == 1);
            h.timer.advance(Duration.ofSeconds(10));
            h.engine.deactivate();
            h.backend.detachListeners();

            RecordingListener listener = new RecordingListener();
            try (ExecutionEngine next = successor(h, listener)) {
                assertThat(next.activate()).contains(id);
                assertThat(next.liveStatus().orElseThrow().nodes()).extracting(ExecutionStatus.NodeStatus::node, ExecutionStatus.NodeStatus::state)
                        .containsExactly(tuple("a", JobState.RETRYING), tuple("b", JobState.RUNNING));

                h.timer.advance(Duration.ofSeconds(19));
                assertThat(h.backend.launchCount(id, "a")).as("what is left of the delay").isEqualTo(1);
                h.timer.advance(Duration.ofSeconds(1));
                await().until(() -> h.backend.request(id, "a").map(JobRequest::attempt).orElse(0) == 2);
                next.resultReceived(id, "a", RESULT);
                h.backend.end(id, "a", JobEnd.succeeded());
                next.resultReceived(id, "b", RESULT);
                h.backend.end(id, "b", JobEnd.succeeded());

                await().until(() -> listener.finished.size() == 1);
                assertThat(listener.finished.get(0).jobs()).extracting(JobSummary::node, JobSummary::outcome, JobSummary::attempts)
                        .containsExactly(tuple("a", JobOutcome.SUCCEEDED, 2), tuple("b", JobOutcome.SUCCEEDED, 1));
            }
        }
    }

    @Test
    void aControllerThatTakesOverWhileALaterAttemptRunsAdoptsThatAttempt() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).poolSize(1).retries(2, Duration.ZERO).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("test")).executionId();
            await().until(() -> h.backend.running() == 1);
            h.backend.end(id, "a", JobEnd.failed("exit code 1"));
            await().until(() -> h.listener.events.contains("jobRetrying:a:1:FAILED"));
            h.timer.advance(Duration.ZERO);
            JobRequest second = await().until(() -> h.backend.request(id, "a").filter(r -> r.attempt() == 2 && h.backend.running() == 1),
                    java.util.Optional::isPresent).orElseThrow();
            h.engine.deactivate();
            h.backend.detachListeners();

            RecordingListener listener = new RecordingListener();
            try (ExecutionEngine next = successor(h, listener)) {
                assertThat(next.activate()).contains(id);
                assertThat(next.callbacks().verifySecret(id, "a", second.callbackSecret())).as("attempt 2 keeps its secret").isTrue();
                next.resultReceived(id, "a", RESULT);
                h.backend.end(id, "a", JobEnd.succeeded());

                await().until(() -> listener.finished.size() == 1);
                JobSummary a = listener.finished.get(0).jobs().get(0);
                assertThat(a.outcome()).isEqualTo(JobOutcome.SUCCEEDED);
                assertThat(a.attempts()).isEqualTo(2);
                assertThat(h.backend.launchCount(id, "a")).isEqualTo(2);
            }
        }
    }

    /** A second engine on the same report directory and backend: the controller that takes over. */
    private static ExecutionEngine successor(EngineHarness h, RecordingListener listener) {
        return ExecutionEngine.builder().config(h.config).nodeSource(() -> List.copyOf(h.nodes)).backend(h.backend)
                .reportStore(new ReportStore(h.store.root()))
                .jobEnvironment(new JobEnvironment("test-ns", new CallbackEndpoint("10.0.0.2", 8090), io.batchjob.core.config.CallbackAuth.TOKEN,
                        List.of()))
                .listener(listener).clock(h.clock).timer(h.timer).build();
    }

}

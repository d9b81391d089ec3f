package io.batchjob.core.execution;

import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ExecutionEngineTest {

    private static final JobResult RESULT = new JobResult(Map.of("my_metric", List.of(new MetricValue(1.0, Map.of("label_a", "AAA")))));

    @TempDir
    Path reports;

    @Test
    void fiveHundredNodesWithPoolSevenNeverRunMoreThanSevenAndEndWithTheRightOutcomes() throws Exception {
        List<String> nodes = EngineHarness.nodeNames(500);
        // Node i behaves by i % 10; every 50th node from 9 on hangs until its timeout.
        Function<String, String> kind = node -> {
            int i = Integer.parseInt(node.substring(5));
            if (i % 50 == 9) {
                return "hang";
            }
            return switch (i % 10) {
                case 6 -> "fail";
                case 7 -> "silent";
                case 8 -> "refused";
                default -> "report";
            };
        };
        AtomicReference<ExecutionEngine> engineRef = new AtomicReference<>();
        InMemoryJobBackend backend = new InMemoryJobBackend(request -> switch (kind.apply(request.node())) {
            case "hang" -> Optional.empty();
            case "fail" -> Optional.of(JobEnd.failed("exit code 1"));
            case "silent" -> Optional.of(JobEnd.succeeded());
            default -> {
                engineRef.get().resultReceived(request.executionId(), request.node(), RESULT);
                yield Optional.of(JobEnd.succeeded());
            }
        }, java.time.Clock.systemUTC(), 4).refuseLaunchWhen(r -> kind.apply(r.node()).equals("refused"));

        try (EngineHarness h = EngineHarness.builder(reports).nodes(nodes).poolSize(7).jobTimeout(Duration.ofMinutes(30))
                .backend(backend).build()) {
            engineRef.set(h.engine);
            h.engine.activate();
            TriggerOutcome.Started started = (TriggerOutcome.Started) h.engine.trigger("test");

            // Hanging jobs only end when time moves: move it whenever nothing else can happen.
            while (!started.completion().isDone()) {
                await().atMost(20, TimeUnit.SECONDS).until(() -> started.completion().isDone() || onlyHangingJobsCanRun(h, kind));
                if (!started.completion().isDone()) {
                    h.timer.advance(Duration.ofMinutes(30));
                }
            }
            ExecutionSummary summary = started.completion().get();

            assertThat(backend.peakRunning()).isEqualTo(7);
            assertThat(summary.jobs()).hasSize(500);
            assertThat(summary.jobs()).extracting(JobSummary::node).containsExactlyInAnyOrderElementsOf(nodes);
            for (String node : nodes) {
                int expectedLaunches = kind.apply(node).equals("refused") ? 0 : 1;
                assertThat(backend.launchCount(started.executionId(), node)).as("launches of %s", node).isEqualTo(expectedLaunches);
            }
            Map<String, JobOutcome> outcomes = summary.jobs().stream().collect(Collectors.toMap(JobSummary::node, JobSummary::outcome));
            Map<String, JobOutcome> expected = nodes.stream().collect(Collectors.toMap(n -> n, n -> switch (kind.apply(n)) {
                case "hang" -> JobOutcome.TIMED_OUT;
                case "fail", "refused" -> JobOutcome.FAILED;
                case "silent" -> JobOutcome.NO_REPORT;
                default -> JobOutcome.SUCCEEDED;
            }));
            assertThat(outcomes).isEqualTo(expected);
            assertThat(summary.counts()).containsEntry(JobOutcome.TIMED_OUT, 10).containsEntry(JobOutcome.NO_REPORT, 50);
            assertThat(summary.jobs()).filteredOn(j -> kind.apply(j.node()).equals("refused"))
                    .allSatisfy(j -> assertThat(j.reason()).contains("cannot create the job"));
            assertThat(backend.running()).isZero();
        }
    }

    /** Every running job hangs and no free slot or pending job could change that without time passing. */
    private static boolean onlyHangingJobsCanRun(EngineHarness h, Function<String, String> kind) {
        Optional<ExecutionProgress> p = h.engine.progress();
        if (p.isEmpty()) {
            return false;
        }
        List<String> running = h.backend.runningNodes(p.get().executionId());
        return running.size() == p.get().running()
                && running.stream().allMatch(n -> kind.apply(n).equals("hang"))
                && (p.get().running() == h.config.podPoolSize() || p.get().pending() == 0);
    }

    @Test
    void freesASlotTheMomentAJobEndsWithoutTimePassing() {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b", "c")).poolSize(1).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("test")).executionId();
            await().until(() -> h.backend.runningNodes(id).equals(List.of("a")));

            h.backend.end(id, "a", JobEnd.succeeded());

            // No timer advance, no polling: the end itself dispatches the next job.
            await().until(() -> h.backend.runningNodes(id).equals(List.of("b")));
            assertThat(h.timer.dueTimes()).hasSize(1); // only b's timeout; a's was cancelled
            assertThat(h.backend.peakRunning()).isEqualTo(1);
            await().until(() -> h.listener.events.contains("jobStarted:b"));
            assertThat(h.listener.events.indexOf("jobEnded:a:NO_REPORT")).isLessThan(h.listener.events.indexOf("jobStarted:b"));
        }
    }

    @Test
    void rapidTriggersGetDistinctIncreasingIds() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of()).build()) {
            h.engine.activate();
            Set<String> ids = new HashSet<>();
            String previous = "0";
            for (int i = 0; i < 5; i++) {
                TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
                s.completion().get(10, TimeUnit.SECONDS);
                await().until(() -> h.engine.progress().isEmpty());
                assertThat(Long.parseLong(s.executionId())).isGreaterThan(Long.parseLong(previous));
                ids.add(s.executionId());
                previous = s.executionId();
            }
            assertThat(ids).hasSize(5).contains("20261127080000", "20261127080004");
        }
    }

    @Test
    void withConcurrencyPolicyForbidATriggerWhileAnExecutionRunsIsSkippedAndReported() {
        try (EngineHarness h = EngineHarness.builder(reports).concurrencyPolicy(io.batchjob.core.config.ConcurrencyPolicy.FORBID).build()) {
            h.engine.activate();
            TriggerOutcome first = h.engine.trigger("schedule");

            TriggerOutcome second = h.engine.trigger("schedule");

            assertThat(first).isInstanceOf(TriggerOutcome.Started.class);
            assertThat(second).isInstanceOfSatisfying(TriggerOutcome.Skipped.class, s -> assertThat(s.reason())
                    .isEqualTo("execution " + ((TriggerOutcome.Started) first).executionId() + " is still running (concurrencyPolicy: Forbid)"));
            await().until(() -> h.listener.skipped.size() == 1);
            assertThat(h.backend.running()).as("the running execution goes on").isEqualTo(2);
        }
    }

    /** The Go controller's behaviour, and the default: each trigger ends the running execution and starts anew. */
    @Test
    void byDefaultATriggerReplacesTheRunningExecutionItsUnfinishedJobsEndAsReplaced() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b", "c")).poolSize(2).build()) {
            h.engine.activate();
            TriggerOutcome.Started first = (TriggerOutcome.Started) h.engine.trigger("schedule");
            await().until(() -> h.backend.running() == 2);
            String runningFirst = h.backend.runningNodes(first.executionId()).get(0);
            h.engine.resultReceived(first.executionId(), runningFirst, new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of())))));
            h.backend.end(first.executionId(), runningFirst, JobEnd.succeeded());
            await().until(() -> h.backend.runningNodes(first.executionId()).size() == 2); // the third started

            TriggerOutcome second = h.engine.trigger("schedule");

            assertThat(second).isInstanceOf(TriggerOutcome.Started.class);
            ExecutionSummary replaced = first.completion().get(10, TimeUnit.SECONDS);
            assertThat(replaced.jobs()).filteredOn(j -> j.node().equals(runningFirst)).extracting(JobSummary::outcome)
                    .containsExactly(JobOutcome.SUCCEEDED);
            assertThat(replaced.jobs()).filteredOn(j -> !j.node().equals(runningFirst))
                    .allSatisfy(j -> {
                        assertThat(j.outcome()).isEqualTo(JobOutcome.REPLACED);
                        assertThat(j.reason()).isEqualTo("replaced by a new execution (schedule) before it ended");
                    });
            assertThat(replaced.counts()).containsEntry(JobOutcome.REPLACED, 2);
            // Its summary is written; its jobs are gone; the new execution runs on every node.
            await().until(() -> h.store.hasFile(first.executionId(), ExecutionEngine.SUMMARY_FILE));
            String secondId = ((TriggerOutcome.Started) second).executionId();
            assertThat(h.backend.runningNodes(first.executionId())).isEmpty();
            await().until(() -> h.backend.runningNodes(secondId).size() == 2);
            assertThat(h.listener.skipped).isEmpty();
            assertThat(h.engine.progress()).get().extracting(ExecutionProgress::executionId).isEqualTo(secondId);
        }
    }

    @Test
    void withoutAJobTimeoutAJobMayRunForDays() {
        try (EngineHarness h = EngineHarness.builder(reports).jobTimeout(null).nodes(List.of("a")).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("schedule");
            await().until(() -> h.backend.running() == 1);
            assertThat(h.backend.request(s.executionId(), "a")).get().extracting(JobRequest::timeout).isNull();

            h.timer.advance(Duration.ofDays(10));

            assertThat(h.backend.runningNodes(s.executionId())).containsExactly("a");
            assertThat(h.timer.pending()).isZero();
        }
    }

    @Test
    void triggersAreRefusedUntilActivated() {
        try (EngineHarness h = EngineHarness.builder(reports).build()) {
            assertThat(h.engine.trigger("schedule")).isInstanceOfSatisfying(TriggerOutcome.Skipped.class,
                    s -> assertThat(s.reason()).contains("not active"));
            assertThat(h.backend.totalLaunches()).isZero();
        }
    }

    @Test
    void aNodeListingFailureFailsTheTriggerAndTellsListeners() {
        try (EngineHarness h = EngineHarness.builder(reports).nodeSource(() -> {
            throw new IllegalStateException("API server unavailable");
        }).build()) {
            h.engine.activate();

            TriggerOutcome outcome = h.engine.trigger("schedule");

            assertThat(outcome).isInstanceOfSatisfying(TriggerOutcome.Failed.class,
                    f -> assertThat(f.reason()).isEqualTo("cannot list nodes: API server unavailable"));
            await().until(() -> h.listener.failedTriggers.size() == 1);
            assertThat(h.store.executionIds()).isEmpty();
            // The engine is still usable.
            assertThat(h.engine.trigger("again")).isInstanceOf(TriggerOutcome.Failed.class);
        }
    }

    @Test
    void aTimedOutJobIsStoppedFreesItsSlotAndTheExecutionStillEnds() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).poolSize(1)
                .jobTimeout(Duration.ofMinutes(5)).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            await().until(() -> h.backend.runningNodes(s.executionId()).equals(List.of("a")));

            h.timer.advance(Duration.ofMinutes(5));

            await().until(() -> h.backend.runningNodes(s.executionId()).equals(List.of("b")));
            assertThat(h.backend.existingJobs()).extracting(j -> j.node()).containsExactly("b"); // a was stopped and removed
            h.backend.end(s.executionId(), "b", JobEnd.failed("exit code 2"));
            ExecutionSummary summary = s.completion().get(10, TimeUnit.SECONDS);
            assertThat(summary.jobs()).extracting(JobSummary::node, JobSummary::outcome, JobSummary::reason).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("a", JobOutcome.TIMED_OUT, "the job ran longer than jobTimeout 5m0s"),
                    org.assertj.core.groups.Tuple.tuple("b", JobOutcome.FAILED, "exit code 2"));
            assertThat(summary.jobs().get(0).durationMillis()).isEqualTo(Duration.ofMinutes(5).toMillis());
        }
    }

    @Test
    void aResultBeforeTheEndMakesTheNodeSucceedAndALateResultUpgradesNoReport() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b", "c")).poolSize(3).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            String id = s.executionId();
            await().until(() -> h.backend.running() == 3);

            h.engine.resultReceived(id, "a", RESULT);
            h.backend.end(id, "a", JobEnd.succeeded());
            h.backend.end(id, "b", JobEnd.succeeded());
            await().until(() -> h.listener.events.contains("jobEnded:b:NO_REPORT"));
            h.engine.resultReceived(id, "b", RESULT);
            h.backend.end(id, "c", JobEnd.succeeded());

            ExecutionSummary summary = s.completion().get(10, TimeUnit.SECONDS);
            assertThat(summary.jobs()).extracting(JobSummary::outcome)
                    .containsExactly(JobOutcome.SUCCEEDED, JobOutcome.SUCCEEDED, JobOutcome.NO_REPORT);
            // Listeners saw b's end twice: first without, then with its report.
            assertThat(h.listener.events).containsSubsequence("result:a", "jobEnded:a:SUCCEEDED");
            assertThat(h.listener.events).containsSubsequence("jobEnded:b:NO_REPORT", "result:b", "jobEnded:b:SUCCEEDED", "finished:" + id);
        }
    }

    @Test
    void writesTheSummaryAsJsonBesideTheReportsAndPointsLatestAtTheExecution() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("manual");
            await().until(() -> h.backend.running() == 1);
            h.engine.resultReceived(s.executionId(), "a", RESULT);
            h.clock.advance(Duration.ofSeconds(3));
            h.backend.end(s.executionId(), "a", JobEnd.succeeded());
            s.completion().get(10, TimeUnit.SECONDS);

            Path file = reports.resolve(".controller").resolve(s.executionId()).resolve(ExecutionEngine.SUMMARY_FILE);
            await().until(() -> Files.exists(file));
            var json = h.store.json().readTree(file.toFile());
            assertThat(json.get("executionId").asText()).isEqualTo(s.executionId());
            assertThat(json.get("cause").asText()).isEqualTo("manual");
            assertThat(json.get("durationMillis").asLong()).isEqualTo(3000);
            assertThat(json.get("counts").get("SUCCEEDED").asInt()).isEqualTo(1);
            assertThat(json.get("jobs").get(0).get("node").asText()).isEqualTo("a");
            assertThat(json.get("jobs").get(0).get("outcome").asText()).isEqualTo("SUCCEEDED");
            assertThat(json.get("jobs").get(0).get("startedAt").asText()).isEqualTo("2026-11-27T08:00:00Z");
            assertThat(json.get("jobs").get(0).get("durationMillis").asLong()).isEqualTo(3000);
            assertThat(h.store.latest()).contains(s.executionId());
        }
    }

    @Test
    void aJobThatCannotBeCreatedFailsAndFreesItsSlot() throws Exception {
        InMemoryJobBackend backend = InMemoryJobBackend.manual().refuseLaunchWhen(r -> r.node().equals("a"));
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).poolSize(1).backend(backend).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");

            await().until(() -> h.backend.runningNodes(s.executionId()).equals(List.of("b")));
            h.backend.end(s.executionId(), "b", JobEnd.succeeded());

            ExecutionSummary summary = s.completion().get(10, TimeUnit.SECONDS);
            assertThat(summary.jobs().get(0).outcome()).isEqualTo(JobOutcome.FAILED);
            assertThat(summary.jobs().get(0).reason()).isEqualTo("cannot create the job: refused by the test backend");
        }
    }

    @Test
    void deletesTheJobsOfEarlierExecutionsBeforeDispatching() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).build()) {
            h.engine.activate();
            TriggerOutcome.Started first = (TriggerOutcome.Started) h.engine.trigger("test");
            await().until(() -> h.backend.running() == 1);
            h.backend.end(first.executionId(), "a", JobEnd.succeeded());
            first.completion().get(10, TimeUnit.SECONDS);
            await().until(() -> h.engine.progress().isEmpty());
            assertThat(h.backend.existingJobs()).hasSize(1); // ended, still listed like a finished pod

            TriggerOutcome.Started second = (TriggerOutcome.Started) h.engine.trigger("test");

            await().until(() -> h.backend.running() == 1);
            assertThat(h.backend.existingJobs()).extracting(j -> j.executionId()).containsExactly(second.executionId());
        }
    }

    @Test
    void keepsTheConfiguredHistoryAndTellsListenersWhatWasPruned() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of()).history(2).build()) {
            h.engine.activate();
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
                s.completion().get(10, TimeUnit.SECONDS);
                await().until(() -> h.engine.progress().isEmpty());
                ids.add(s.executionId());
            }
            // reportHistory counts the current execution, as in the Go controller.
            assertThat(h.store.executionIds()).containsExactlyElementsOf(ids.subList(3, 5));
            await().until(() -> h.listener.pruned.size() == 3);
            assertThat(h.listener.pruned).containsExactlyElementsOf(ids.subList(0, 3));
        }
    }

    @Test
    void skipsNodesWhoseNamesCannotBeFileNames() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("ok", "../evil", "_plan", "ok", "a/b")).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            await().until(() -> h.backend.running() == 1);
            h.backend.end(s.executionId(), "ok", JobEnd.succeeded());

            assertThat(s.completion().get(10, TimeUnit.SECONDS).jobs()).extracting(JobSummary::node).containsExactly("ok");
        }
    }

    @Test
    void callbacksAreAcceptedOnlyForStartedJobsOfTheRunningExecution() {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).poolSize(1).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("test")).executionId();
            await().until(() -> h.backend.running() == 1);

            h.engine.callbacks().checkAcceptsCallbacks(id, "a");
            assertThatThrownBy(() -> h.engine.callbacks().checkAcceptsCallbacks(id, "b")).isInstanceOf(UnknownJobException.class)
                    .hasMessage("the job of node b in execution " + id + " has not started yet");
            assertThatThrownBy(() -> h.engine.callbacks().checkAcceptsCallbacks(id, "zzz")).isInstanceOf(UnknownJobException.class)
                    .hasMessage("node zzz is not part of execution " + id);
            assertThatThrownBy(() -> h.engine.resultReceived("123", "a", RESULT)).isInstanceOf(UnknownJobException.class)
                    .hasMessage("execution 123 is not running"); // never which one runs: the caller may be anyone
        }
    }

    @Test
    void verifiesEachJobsOwnSecret() {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b")).poolSize(2).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("test")).executionId();
            await().until(() -> h.backend.running() == 2);
            String secretA = h.backend.request(id, "a").orElseThrow().callbackSecret();
            String secretB = h.backend.request(id, "b").orElseThrow().callbackSecret();

            assertThat(secretA).hasSize(43).isNotEqualTo(secretB);
            assertThat(h.engine.callbacks().verifySecret(id, "a", secretA)).isTrue();
            assertThat(h.engine.callbacks().verifySecret(id, "a", secretB)).isFalse();
            assertThat(h.engine.callbacks().verifySecret(id, "a", "")).isFalse();
            assertThat(h.engine.callbacks().verifySecret(id, "a", null)).isFalse();
            assertThat(h.engine.callbacks().verifySecret("1", "a", secretA)).isFalse();
            assertThat(h.engine.callbacks().verifySecret(id, "nope", secretA)).isFalse();
        }
    }

    @Test
    void jobsGetTheJobPodEnvironmentWithTheirSecretInTheCallbackUrls() {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("node-1")).contributor((e, n) -> Map.of(
                "TARGET_URL", "http://target", "NODE_NAME", "forged", "CALLBACK_TOKEN", "forged")).build()) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("test")).executionId();
            await().until(() -> h.backend.running() == 1);
            var request = h.backend.request(id, "node-1").orElseThrow();
            String secret = request.callbackSecret();

            assertThat(request.environment()).containsExactly(
                    Map.entry("NAMESPACE", "test-ns"),
                    Map.entry("NODE_NAME", "node-1"),
                    Map.entry("EXECUTION_ID", id),
                    Map.entry("CALLBACK_SERVICE_NAME", "10.0.0.1"),
                    Map.entry("CALLBACK_SERVICE_PORT", "8090"),
                    Map.entry("CALLBACK_SERVICE_RESULT_URL", "http://10.0.0.1:8090/job/" + secret + "/report/node-1/" + id + "/result"),
                    Map.entry("CALLBACK_SERVICE_FILE_URL", "http://10.0.0.1:8090/job/" + secret + "/report/node-1/" + id + "/file"),
                    Map.entry("CALLBACK_SERVICE_EVENT_URL", "http://10.0.0.1:8090/job/" + secret + "/report/node-1/" + id + "/event"),
                    Map.entry("CALLBACK_TOKEN", secret),
                    Map.entry("TARGET_URL", "http://target"));
            assertThat(request.toString()).doesNotContain(secret);
        }
    }

    @Test
    void aFailingListenerDoesNotStopTheEngineOrOtherListeners() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).build()) {
            // The harness listener is registered; add a throwing one through a second engine sharing nothing else.
            ExecutionEngine engine = ExecutionEngine.builder().config(h.config).nodeSource(() -> List.of("x"))
                    .backend(h.backend).reportStore(new io.batchjob.core.report.ReportStore(reports.resolve("other")))
                    .jobEnvironment(new JobEnvironment("ns", new CallbackEndpoint("h", 1), io.batchjob.core.config.CallbackAuth.NONE, List.of()))
                    .listener(new io.batchjob.core.spi.ExecutionListener() {
                        @Override
                        public void onJobStarted(String executionId, String node) {
                            throw new IllegalStateException("boom");
                        }
                    })
                    .listener(h.listener)
                    .build();
            try (engine) {
                engine.activate();
                TriggerOutcome.Started s = (TriggerOutcome.Started) engine.trigger("test");
                await().until(() -> h.backend.running() == 1);
                h.backend.end(s.executionId(), "x", JobEnd.succeeded());
                assertThat(s.completion().get(10, TimeUnit.SECONDS).jobs()).hasSize(1);
                await().until(() -> h.listener.events.contains("jobStarted:x"));
            }
        }
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.config.ConcurrencyPolicy;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code concurrencyPolicy: Replace} as the Go controller behaves: a trigger while jobs of the
 * running execution still wait for a pool slot is skipped; once every job is launched, the next
 * trigger replaces. Found side by side with Go: cron every minute, jobs of 40 s, N=20, P=5.
 */
class ReplaceWhileLaunchingTest {

    private static final JobResult RESULT = new JobResult(Map.of("m", List.of(new MetricValue(1, Map.of()))));
    private static final Duration INTERVAL = Duration.ofSeconds(60);
    private static final Duration JOB = Duration.ofSeconds(40);
    private static final int NODES = 20;
    private static final int POOL = 5;

    @TempDir
    Path reports;

    @Test
    void aTriggerWhileJobsWaitForASlotIsSkippedAndEveryNodeRunsWithinTwoIntervals() {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(EngineHarness.nodeNames(NODES)).poolSize(POOL)
                .backend(InMemoryJobBackend.manual()).build()) {
            h.engine.activate();
            Map<String, Duration> firstLaunch = new HashMap<>();
            Map<String, Duration> started = new LinkedHashMap<>(); // "<execution>/<node>" -> when its job started
            List<TriggerOutcome> triggers = new ArrayList<>();
            Set<String> succeeded = new TreeSet<>();

            for (Duration t = Duration.ZERO; t.compareTo(INTERVAL.multipliedBy(4)) <= 0; t = t.plusSeconds(10)) {
                if (!t.isZero()) {
                    h.timer.advance(Duration.ofSeconds(10));
                }
                // Jobs that ran 40 s report (like curl) and end, as the kubelet would say.
                for (Map.Entry<String, Duration> e : List.copyOf(started.entrySet())) {
                    if (t.minus(e.getValue()).compareTo(JOB) >= 0) {
                        String[] key = e.getKey().split("/");
                        if (h.backend.runningNodes(key[0]).contains(key[1])) {
                            h.engine.resultReceived(key[0], key[1], RESULT);
                            h.backend.end(key[0], key[1], JobEnd.succeeded());
                            succeeded.add(key[1]);
                        }
                        started.remove(e.getKey());
                    }
                }
                settle(h);
                if (t.toSeconds() % INTERVAL.toSeconds() == 0) {
                    triggers.add(h.engine.trigger("schedule"));
                    settle(h);
                }
                String current = h.engine.progress().map(ExecutionProgress::executionId).orElseThrow();
                for (String node : h.backend.runningNodes(current)) {
                    started.putIfAbsent(current + "/" + node, t);
                    firstLaunch.putIfAbsent(node, t);
                }
            }

            // 0 s starts; 60 s: 10 jobs still wait -> skipped; 120 s: all 20 launched -> replaces; 180 s: the
            // second execution still launches -> skipped; 240 s: replaces.
            assertThat(triggers).extracting(o -> o.getClass().getSimpleName())
                    .containsExactly("Started", "Skipped", "Started", "Skipped", "Started");
            assertThat(((TriggerOutcome.Skipped) triggers.get(1)).reason())
                    .contains("is still launching: 10 of 20 jobs wait for a pool slot");
            // Listeners hear of a trigger on the engine's event thread, so wait for the second one.
            await().atMost(10, TimeUnit.SECONDS).until(() -> h.listener.skipped.size() >= 2);
            assertThat(h.listener.skipped).hasSize(2).allSatisfy(r -> assertThat(r).contains("still launching"));

            assertThat(firstLaunch).as("every node's job started").hasSize(NODES);
            assertThat(firstLaunch.values()).as("within two intervals of the first trigger")
                    .allSatisfy(at -> assertThat(at).isLessThanOrEqualTo(INTERVAL.multipliedBy(2)));
            // The replaced nodes go first in the next execution, so every node also succeeds (by 160 s).
            assertThat(succeeded).hasSize(NODES);

            // No execution was replaced while one of its jobs had not been launched yet.
            await().atMost(10, TimeUnit.SECONDS).until(() -> h.listener.finished.size() == 2);
            for (ExecutionSummary s : h.listener.finished) {
                assertThat(s.jobs()).filteredOn(j -> j.outcome() == JobOutcome.REPLACED)
                        .allSatisfy(j -> assertThat(h.backend.launchCount(s.executionId(), j.node())).as(j.node()).isEqualTo(1));
            }
            ExecutionSummary first = h.listener.finished.get(0);
            assertThat(first.counts()).containsEntry(JobOutcome.SUCCEEDED, 15).containsEntry(JobOutcome.REPLACED, 5);
            List<String> replacedFirst = first.jobs().stream().filter(j -> j.outcome() == JobOutcome.REPLACED).map(JobSummary::node).toList();
            ExecutionSummary second = h.listener.finished.get(1);
            assertThat(second.jobs()).filteredOn(j -> replacedFirst.contains(j.node()))
                    .allSatisfy(j -> assertThat(j.outcome()).isEqualTo(JobOutcome.SUCCEEDED));
        }
    }

    @Test
    void onceEveryJobIsLaunchedATriggerReplacesAndForbidStillSkips() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a", "b", "c")).poolSize(2)
                .backend(InMemoryJobBackend.manual()).build()) {
            h.engine.activate();
            TriggerOutcome.Started first = (TriggerOutcome.Started) h.engine.trigger("schedule");
            await().until(() -> h.backend.running() == 2);

            assertThat(h.engine.trigger("manual")).isInstanceOfSatisfying(TriggerOutcome.Skipped.class, s -> assertThat(s.reason())
                    .isEqualTo("execution " + first.executionId() + " is still launching: 1 of 3 jobs wait for a pool slot"
                            + " (concurrencyPolicy: Replace replaces it once every job has started)"));
            assertThat(first.completion()).isNotDone();

            h.backend.end(first.executionId(), "a", JobEnd.failed("exit code 1"));
            await().until(() -> h.backend.runningNodes(first.executionId()).contains("c"));
            assertThat(h.engine.trigger("schedule")).isInstanceOf(TriggerOutcome.Started.class);
            assertThat(first.completion().get(10, TimeUnit.SECONDS).counts()).containsEntry(JobOutcome.REPLACED, 2);
        }
        try (EngineHarness h = EngineHarness.builder(reports.resolve("forbid")).nodes(List.of("a", "b", "c")).poolSize(3)
                .concurrencyPolicy(ConcurrencyPolicy.FORBID).backend(InMemoryJobBackend.manual()).build()) {
            h.engine.activate();
            TriggerOutcome.Started first = (TriggerOutcome.Started) h.engine.trigger("schedule");
            await().until(() -> h.backend.running() == 3);
            assertThat(h.engine.trigger("schedule")).isInstanceOfSatisfying(TriggerOutcome.Skipped.class,
                    s -> assertThat(s.reason()).endsWith("is still running (concurrencyPolicy: Forbid)"));
            assertThat(first.completion()).isNotDone();
        }
    }

    /** Waits until every job the engine launched is running in the backend and no free slot waits for a launch. */
    private static void settle(EngineHarness h) {
        await().atMost(10, TimeUnit.SECONDS).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).until(() -> {
            var p = h.engine.progress();
            if (p.isEmpty()) {
                return true;
            }
            int inBackend = h.backend.runningNodes(p.get().executionId()).size();
            return inBackend == p.get().running() && (p.get().pending() == 0 || p.get().running() == POOL);
        });
    }
}

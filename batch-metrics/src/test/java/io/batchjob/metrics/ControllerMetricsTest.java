package io.batchjob.metrics;

import io.batchjob.core.spi.CallbackObserver.CallbackRequest;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ControllerMetricsTest {

    private static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");

    @Test
    void countsExecutionsJobsTriggersAndCallbacks() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        AtomicInteger inFlight = new AtomicInteger(4);
        ControllerMetrics m = new ControllerMetrics(registry, inFlight::get);

        m.onExecutionStarted(new ExecutionStart("1", "schedule", T0, List.of("a", "b"), false));
        m.onJobRetrying("1", "a", new io.batchjob.core.spi.JobAttempt(1, JobOutcome.FAILED, T0, T0.plusSeconds(1), "exit code 1"));
        m.onJobRetrying("1", "a", new io.batchjob.core.spi.JobAttempt(2, JobOutcome.TIMED_OUT, T0, T0.plusSeconds(2), "jobTimeout"));
        m.onJobEnded("1", new JobSummary("a", JobOutcome.SUCCEEDED, T0, T0.plusSeconds(3), "", true));
        m.onJobEnded("1", new JobSummary("b", JobOutcome.NO_REPORT, T0, T0.plusSeconds(70), "x", false));
        m.onJobEnded("1", new JobSummary("b", JobOutcome.SUCCEEDED, T0, T0.plusSeconds(70), "", true)); // late result
        m.onExecutionFinished(new ExecutionSummary("1", "schedule", T0, T0.plusSeconds(90), false, List.of()));
        m.onTriggerSkipped("schedule", "running");
        m.onTriggerSkipped("schedule", "running");
        m.onTriggerFailed("schedule", "nodes");
        m.onCallback(new CallbackRequest("result", 200, Duration.ofMillis(3), 120));
        m.onCallback(new CallbackRequest("file", 401, Duration.ofMillis(1), 0));

        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            List<String> lines = Scrape.lines(Scrape.scrape(server.port()), ControllerMetrics.PREFIX);

            assertThat(lines).contains(
                    "batch_job_controller_executions_total{result=problems} 0.0",
                    "batch_job_controller_executions_total{result=success} 1.0",
                    "batch_job_controller_triggers_skipped_total{} 2.0",
                    "batch_job_controller_triggers_failed_total{} 1.0",
                    "batch_job_controller_jobs_in_flight{} 4.0",
                    "batch_job_controller_jobs_total{outcome=succeeded} 1.0",
                    "batch_job_controller_jobs_total{outcome=no_report} 1.0",
                    "batch_job_controller_jobs_total{outcome=failed} 0.0",
                    "batch_job_controller_jobs_total{outcome=timed_out} 0.0",
                    "batch_job_controller_job_retries_total{outcome=failed} 1.0",
                    "batch_job_controller_job_retries_total{outcome=timed_out} 1.0",
                    "batch_job_controller_job_duration_seconds_count{outcome=no_report} 1.0",
                    "batch_job_controller_job_duration_seconds_bucket{le=120.0,outcome=no_report} 1.0",
                    "batch_job_controller_job_duration_seconds_bucket{le=60.0,outcome=no_report} 0.0",
                    "batch_job_controller_last_execution_duration_seconds{} 90.0",
                    "batch_job_controller_node_last_success_timestamp_seconds{node=a} 1.795766403E9",
                    "batch_job_controller_node_last_success_timestamp_seconds{node=b} 1.79576647E9",
                    "batch_job_controller_callback_requests_total{endpoint=result,status=200} 1.0",
                    "batch_job_controller_callback_requests_total{endpoint=file,status=401} 1.0",
                    "batch_job_controller_callback_request_duration_seconds_count{endpoint=result} 1.0",
                    "batch_job_controller_stored_bytes_total{endpoint=result} 120.0");
            assertThat(lines).noneMatch(l -> l.startsWith("batch_job_controller_stored_bytes_total{endpoint=file}"));
            inFlight.set(0);
            assertThat(Scrape.lines(Scrape.scrape(server.port()), "batch_job_controller_jobs_in_flight")).containsExactly(
                    "batch_job_controller_jobs_in_flight{} 0.0");
        }
    }

    private static ExecutionSummary finished(String id, Instant end, Object... nodeOutcomes) {
        List<JobSummary> jobs = new java.util.ArrayList<>();
        for (int i = 0; i < nodeOutcomes.length; i += 2) {
            JobOutcome o = (JobOutcome) nodeOutcomes[i + 1];
            jobs.add(new JobSummary((String) nodeOutcomes[i], o, T0, end, "", o == JobOutcome.SUCCEEDED));
        }
        return new ExecutionSummary(id, "schedule", T0, end, false, jobs);
    }

    @Test
    void countsExecutionsInARowWithoutSuccessPerNodeAndTheLastEndSurvivingARestart() throws Exception {
        PrometheusRegistry before = new PrometheusRegistry();
        ControllerMetrics m = new ControllerMetrics(before, () -> 0);
        m.onExecutionFinished(finished("1", T0.plusSeconds(10), "a", JobOutcome.FAILED, "b", JobOutcome.SUCCEEDED, "c", JobOutcome.FAILED));
        m.onExecutionFinished(finished("2", T0.plusSeconds(20), "a", JobOutcome.TIMED_OUT, "b", JobOutcome.NO_REPORT, "c", JobOutcome.SUCCEEDED));
        m.onExecutionFinished(finished("3", T0.plusSeconds(30), "a", JobOutcome.NO_REPORT, "b", JobOutcome.FAILED));

        try (MetricsServer server = MetricsServer.start(before, "127.0.0.1", 0)) {
            assertThat(Scrape.lines(Scrape.scrape(server.port()), "batch_job_controller_node_consecutive_problems")).containsExactlyInAnyOrder(
                    "batch_job_controller_node_consecutive_problems{node=a} 3.0",
                    "batch_job_controller_node_consecutive_problems{node=b} 2.0");
            assertThat(Scrape.lines(Scrape.scrape(server.port()), "batch_job_controller_last_execution_end_timestamp_seconds"))
                    .containsExactly("batch_job_controller_last_execution_end_timestamp_seconds{} 1.79576643E9");
        }

        // A new process restores the same from the kept summaries; its counters start at 0.
        PrometheusRegistry after = new PrometheusRegistry();
        ControllerMetrics restarted = new ControllerMetrics(after, () -> 0, () -> java.util.Optional.of(Duration.ofHours(72)));
        restarted.restore(List.of(
                finished("1", T0.plusSeconds(10), "a", JobOutcome.FAILED, "b", JobOutcome.SUCCEEDED, "c", JobOutcome.FAILED),
                finished("2", T0.plusSeconds(20), "a", JobOutcome.TIMED_OUT, "b", JobOutcome.NO_REPORT, "c", JobOutcome.SUCCEEDED),
                finished("3", T0.plusSeconds(30), "a", JobOutcome.NO_REPORT, "b", JobOutcome.FAILED)));
        restarted.onExecutionFinished(finished("4", T0.plusSeconds(40), "a", JobOutcome.SUCCEEDED, "b", JobOutcome.FAILED));
        try (MetricsServer server = MetricsServer.start(after, "127.0.0.1", 0)) {
            List<String> lines = Scrape.lines(Scrape.scrape(server.port()), ControllerMetrics.PREFIX);
            assertThat(lines).contains(
                    "batch_job_controller_node_consecutive_problems{node=a} 0.0",
                    "batch_job_controller_node_consecutive_problems{node=b} 3.0",
                    "batch_job_controller_last_execution_end_timestamp_seconds{} 1.79576644E9",
                    "batch_job_controller_schedule_longest_interval_seconds{} 259200.0",
                    "batch_job_controller_executions_total{result=problems} 1.0");
            assertThat(lines).noneMatch(l -> l.contains("node=c"));
        }
    }

    @Test
    void withoutAScheduleIntervalNoSampleIsPublished() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        new ControllerMetrics(registry, () -> 0, java.util.Optional::empty);
        try (MetricsServer server = MetricsServer.start(registry, "127.0.0.1", 0)) {
            assertThat(Scrape.lines(Scrape.scrape(server.port()), "batch_job_controller_schedule_longest_interval_seconds")).isEmpty();
        }
    }
}

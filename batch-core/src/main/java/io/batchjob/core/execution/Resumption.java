package io.batchjob.core.execution;

import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobAttempt;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rebuilds an unfinished execution from its records and the jobs the backend still has: ended
 * jobs keep their outcome, running jobs are adopted (with their secret, so their callbacks keep
 * working), nodes without a job wait for a slot. Nothing here runs a job; {@link ExecutionRun}
 * does once the engine made the rebuilt run its active one.
 */
final class Resumption {

    /**
     * @param run     the rebuilt run (not yet dispatching)
     * @param adopted its jobs still running in the backend
     * @param waiting its jobs waiting for their next attempt
     * @param records what its earlier controller recorded
     * @param now     when it was rebuilt
     */
    record Resumed(ExecutionRun run, Map<Job, ExistingJob> adopted, List<Waiting> waiting, Instant now, RecordedExecution records) {
    }

    /**
     * A job whose last attempt ended and was to be followed by another ({@code jobRetries}) when its
     * controller stopped: the next attempt is queued after what is left of {@code jobRetryDelay}, once
     * the ended attempt is stopped if it had timed out (its pod may still run).
     */
    record Waiting(Job job, Duration left, boolean stopFirst) {
    }

    private Resumption() {
    }

    /** The newest recorded execution if it has no summary (it was running when its controller stopped). */
    static Optional<String> unfinished(io.batchjob.core.spi.ExecutionRecords records) {
        java.util.List<String> ids = records.executionIds();
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        String id = ids.get(ids.size() - 1);
        return records.summary(id).isPresent() ? Optional.empty() : Optional.of(id);
    }

    /** Rebuilds the run of an execution from its records; empty when it has none. */
    static Optional<Resumed> rebuild(String id, RunContext context, RunContext.Settings settings,
                                     java.util.function.Consumer<ExecutionRun> onFinished) {
        return rebuild(id, context, settings, onFinished, false);
    }

    /**
     * @param adoptedFromApi the execution's records are not here (another controller's report directory): jobs the
     *                       backend reports ended before now ended as their pods did, and their results are not seen
     */
    static Optional<Resumed> rebuild(String id, RunContext context, RunContext.Settings settings,
                                     java.util.function.Consumer<ExecutionRun> onFinished, boolean adoptedFromApi) {
        Optional<RecordedExecution> records = context.records().read(id);
        if (records.isEmpty()) {
            return Optional.empty();
        }
        ExecutionPlan plan = records.get().plan();
        Map<String, ExistingJob> existing = new LinkedHashMap<>();
        for (ExistingJob j : context.backend().existingJobs()) {
            if (j.executionId().equals(id)) {
                existing.merge(j.node(), j, (a, b) -> a.attempt() >= b.attempt() ? a : b); // the latest attempt
            }
        }
        Instant now = context.clock().instant();
        Execution ex = new Execution(id, plan.cause(), plan.startedAt(), true);
        ex.skipped = plan.skipped();
        Map<Job, ExistingJob> adopted = new LinkedHashMap<>();
        List<Waiting> waiting = new java.util.ArrayList<>();
        List<String> unseen = new java.util.ArrayList<>();
        for (String node : plan.nodes()) {
            Job job = new Job(node);
            ex.jobs.put(node, job);
            JobSummary done = records.get().ended().get(node);
            ExistingJob running = existing.get(node);
            List<JobAttempt> retried = records.get().retried().getOrDefault(node, List.of());
            if (done != null) {
                job.state = JobState.ENDED;
                job.outcome = done.outcome();
                job.startedAt = done.startedAt();
                job.endedAt = done.endedAt();
                job.reason = done.reason();
                job.reported = done.reported();
                job.attempt = done.attempts();
                job.retried.addAll(done.retried());
                ex.ended++;
            } else if (adoptedFromApi && running != null && running.end() != null) {
                job.attempt = running.attempt();
                job.startedAt = running.createdAt() != null && running.createdAt().isBefore(now) ? running.createdAt() : now;
                boolean failed = running.end().outcome() == JobOutcome.FAILED;
                String why = failed ? (running.end().reason().isEmpty() ? "the job failed" : running.end().reason()) : "";
                if (failed && running.attempt() < settings.retries().maxAttempts()) {
                    // The controller that started it would have tried again: so does this one.
                    JobAttempt last = new JobAttempt(running.attempt(), JobOutcome.FAILED, job.startedAt, now, why);
                    job.state = JobState.RETRYING;
                    job.retried.add(last);
                    waiting.add(new Waiting(job, settings.retries().delay(), false));
                } else {
                    job.state = JobState.ENDED;
                    job.outcome = failed ? JobOutcome.FAILED : JobOutcome.SUCCEEDED;
                    job.endedAt = now;
                    job.reason = (failed ? why + "; " : "") + "ended before this controller took the execution over: its result, if it sent"
                            + " one, is in the report directory of the controller that started it";
                    ex.ended++;
                    unseen.add(node);
                }
            } else if (running != null && running.attempt() > retried.size()) {
                job.state = JobState.RUNNING;
                job.attempt = running.attempt();
                job.retried.addAll(retried);
                // A job whose secret is lost gets a fresh one nobody knows: its callbacks fail closed.
                job.secret = running.callbackSecret() != null ? running.callbackSecret() : CallbackSecrets.newSecret();
                // A creation time ahead of our clock (skew with the API server) counts as now.
                job.startedAt = running.createdAt() != null && running.createdAt().isBefore(now) ? running.createdAt() : now;
                // What the engine recorded, not a file name: another node's upload could have made "<node>.json".
                job.reported = records.get().reportedAttempt().getOrDefault(node, 0) >= running.attempt();
                job.holdsSlot = true;
                ex.inFlight++;
                adopted.put(job, running);
            } else if (!retried.isEmpty()) {
                JobAttempt last = retried.get(retried.size() - 1);
                job.state = JobState.RETRYING;
                job.attempt = last.number();
                job.retried.addAll(retried);
                job.startedAt = last.startedAt();
                Duration left = settings.retries().delay().minus(Duration.between(last.endedAt(), now));
                waiting.add(new Waiting(job, left, last.outcome() == JobOutcome.TIMED_OUT && running != null
                        && running.attempt() == last.number()));
            } else {
                ex.pending.add(job);
            }
        }
        ex.unseen = List.copyOf(unseen);
        return Optional.of(new Resumed(new ExecutionRun(ex, settings, context, onFinished), adopted, List.copyOf(waiting), now, records.get()));
    }
}

package io.batchjob.core.execution;

import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobSummary;

import java.time.Instant;
import java.util.LinkedHashMap;
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
     * @param now     when it was rebuilt
     */
    record Resumed(ExecutionRun run, Map<Job, ExistingJob> adopted, Instant now) {
    }

    private Resumption() {
    }

    /** The newest execution if it has a plan but no summary (it was running when its controller stopped). */
    static Optional<String> unfinished(io.batchjob.core.report.ReportStore store, java.util.List<String> ids) {
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        String id = ids.get(ids.size() - 1);
        return store.hasFile(id, ExecutionEngine.SUMMARY_FILE) ? Optional.empty() : Optional.of(id);
    }

    /** Rebuilds the run of an execution from its records; empty when it has none. */
    static Optional<Resumed> rebuild(String id, RunContext context, RunContext.Settings settings,
                                     java.util.function.Consumer<ExecutionRun> onFinished) {
        Optional<ExecutionRecords> records = ExecutionRecords.read(context.store(), id);
        if (records.isEmpty()) {
            return Optional.empty();
        }
        ExecutionPlan plan = records.get().plan();
        Map<String, ExistingJob> existing = new LinkedHashMap<>();
        for (ExistingJob j : context.backend().existingJobs()) {
            if (j.executionId().equals(id)) {
                existing.put(j.node(), j);
            }
        }
        Instant now = context.clock().instant();
        Execution ex = new Execution(id, plan.cause(), plan.startedAt(), true);
        ex.skipped = plan.skipped();
        Map<Job, ExistingJob> adopted = new LinkedHashMap<>();
        for (String node : plan.nodes()) {
            Job job = new Job(node);
            ex.jobs.put(node, job);
            JobSummary done = records.get().ended().get(node);
            ExistingJob running = existing.get(node);
            if (done != null) {
                job.state = JobState.of(done.outcome());
                job.startedAt = done.startedAt();
                job.endedAt = done.endedAt();
                job.reason = done.reason();
                job.reported = done.reported();
                ex.ended++;
            } else if (running != null) {
                job.state = JobState.RUNNING;
                // A job whose secret is lost gets a fresh one nobody knows: its callbacks fail closed.
                job.secret = running.callbackSecret() != null ? running.callbackSecret() : CallbackSecrets.newSecret();
                // A creation time ahead of our clock (skew with the API server) counts as now.
                job.startedAt = running.createdAt() != null && running.createdAt().isBefore(now) ? running.createdAt() : now;
                // What the engine recorded, not a file name: another node's upload could have made "<node>.json".
                job.reported = records.get().reported().contains(node);
                job.holdsSlot = true;
                ex.inFlight++;
                adopted.put(job, running);
            } else {
                ex.pending.add(job);
            }
        }
        return Optional.of(new Resumed(new ExecutionRun(ex, settings, context, onFinished), adopted, now));
    }
}

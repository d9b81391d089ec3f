package io.batchjob.core.execution;

import io.batchjob.core.result.JobResult;
import io.batchjob.core.spi.ResultFootprint;

import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What the callback API asks of the engine's running execution: may this job call back, is
 * this its secret, is there room for its result, whose file is this. Thread-safe: every call
 * takes the running execution once and asks it under its own monitor.
 */
public final class JobCallbacks {

    private static final String DUMMY_SECRET = CallbackSecrets.newSecret();

    private final Supplier<ExecutionRun> running;
    private final ResultBacklog backlog;
    private final EngineEvents events;
    private final ResultFootprint footprint;
    private final LongSupplier maxSeriesInMemory;

    JobCallbacks(Supplier<ExecutionRun> running, ResultBacklog backlog, EngineEvents events, ResultFootprint footprint,
                 LongSupplier maxSeriesInMemory) {
        this.running = running;
        this.backlog = backlog;
        this.events = events;
        this.footprint = footprint;
        this.maxSeriesInMemory = maxSeriesInMemory;
    }

    /**
     * Checks that a callback may be accepted for this job: its execution is the running one and
     * the job has started.
     *
     * @throws UnknownJobException saying why not
     */
    public void checkAcceptsCallbacks(String executionId, String node) {
        runningExecution(executionId).requireAcceptsCallbacks(node);
    }

    /**
     * The attempt of a node's job in the running execution (1 unless {@code jobRetries} started it
     * again): what an Event from the job is about. 1 for unknown jobs.
     */
    public int attemptOf(String executionId, String node) {
        ExecutionRun run = running.get();
        return run != null && run.id().equals(executionId) ? run.attempt(node) : 1;
    }

    /**
     * Verifies a job's callback secret in constant time. {@code false} for unknown jobs too, so
     * that a caller cannot learn which jobs exist without a valid secret, and for jobs that have
     * ended: a secret works only while its job runs (a job's callbacks complete before its pod can
     * end, so nothing legitimate is refused; a secret copied from a log is worthless).
     */
    public boolean verifySecret(String executionId, String node, String presented) {
        ExecutionRun run = running.get();
        String expected = run != null && run.id().equals(executionId) ? run.liveSecret(node).orElse(null) : null;
        // Compare against a dummy when there is no secret so timing does not reveal which jobs exist.
        boolean ok = CallbackSecrets.matches(expected == null ? DUMMY_SECRET : expected, presented);
        return ok && expected != null;
    }

    /**
     * Reserves room for a job's result before the caller stores it, so that a result the engine
     * cannot take is refused before anything is written: the stored {@code <node>.json} and what
     * listeners see always agree. A job's result still waiting for the listeners when a newer one
     * is accepted is replaced by it: listeners see the newest.
     *
     * @param values the result's {@link JobResult#valueCount()}
     * @throws UnknownJobException when the execution is not running or the node is not part of it
     * @throws EngineBusyException when too many result values wait for the listeners (bounded
     *                             memory whatever jobs send); retry later
     * @throws BudgetExceededException when the result would take the series held in memory beyond
     *                             {@code maxSeriesInMemory} (507)
     */
    public ResultAdmission admitResult(String executionId, String node, long values) {
        ExecutionRun run = runningExecution(executionId);
        run.requireAcceptsCallbacks(node);
        // Held now, plus what waits for the listeners, minus what this job's new result replaces;
        // checked and reserved at once, so two results cannot both take the last room.
        synchronized (backlog) {
            long max = maxSeriesInMemory.getAsLong();
            long held = footprint.heldSeries();
            String job = executionId + "/" + node;
            // Each other job with results on the way will hold one of them (at most the largest) instead of what it
            // holds now; this job's own waiting or reserved result is replaced by this one.
            long pending = 0;
            for (Map.Entry<String, Long> other : backlog.pendingOfOthers(job).entrySet()) {
                int slash = other.getKey().indexOf('/');
                long holds = footprint.heldSeriesOf(other.getKey().substring(0, slash), other.getKey().substring(slash + 1));
                pending += Math.max(0, footprint.seriesFor(other.getValue()) - holds);
            }
            long projected = held + pending - footprint.heldSeriesOf(executionId, node) + footprint.seriesFor(values);
            if (projected > max) {
                throw new BudgetExceededException("maxSeriesInMemory", 507, "the controller holds " + held
                        + " result series; with this result's " + values + " values it would hold " + projected
                        + ", more than maxSeriesInMemory (" + max + "): send fewer label sets, keep fewer executions"
                        + " (reportHistory), or raise maxSeriesInMemory with the controller's memory");
            }
            backlog.reserve(job, values);
        }
        return new ResultAdmission(run, node, values, backlog, events);
    }

    /**
     * The node of the running execution a report file belongs to: the one whose result it is
     * ({@code <node>.json}) or whose prefix it carries ({@code <node>-*}), the longest such node
     * when names share a prefix ({@code a-b-x.txt} is node {@code a-b}'s, not {@code a}'s).
     * Empty when no node of the running execution claims it, or no such execution runs.
     */
    public Optional<String> nodeOwningFile(String executionId, String fileName) {
        ExecutionRun run = running.get();
        return run == null || !run.id().equals(executionId) ? Optional.empty() : run.nodeOwningFile(fileName);
    }

    private ExecutionRun runningExecution(String executionId) {
        ExecutionRun run = running.get();
        if (run == null || !run.id().equals(executionId)) {
            throw new UnknownJobException("execution " + executionId + " is not running");
        }
        return run;
    }
}

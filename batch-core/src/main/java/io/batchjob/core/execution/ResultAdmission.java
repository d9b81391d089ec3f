package io.batchjob.core.execution;

import io.batchjob.core.result.JobResult;

import java.util.Objects;

/**
 * Room for one job's result, reserved by {@link ExecutionEngine#admitResult} before the caller
 * stores the result. Close it in any case; {@link #accept} hands the result over. Not
 * thread-safe: one caller uses it.
 */
public final class ResultAdmission implements AutoCloseable {

    private final ExecutionRun run;
    private final String node;
    private final long values;
    private final ResultBacklog backlog;
    private final EngineEvents events;
    private boolean handedOver;

    ResultAdmission(ExecutionRun run, String node, long values, ResultBacklog backlog, EngineEvents events) {
        this.run = run;
        this.node = node;
        this.values = values;
        this.backlog = backlog;
        this.events = events;
    }

    /**
     * Hands the stored result over: recorded, listeners told (on the events thread). A result of
     * this job still waiting for the listeners is replaced by this one.
     *
     * @throws UnknownJobException when the job no longer accepts callbacks (the execution ended)
     */
    public void accept(JobResult result) {
        Objects.requireNonNull(result, "result");
        if (handedOver) {
            throw new IllegalStateException("this admission was used already");
        }
        String executionId = run.id();
        String key = executionId + "/" + node;
        run.resultAccepted(node, () -> {
            handedOver = true;
            if (backlog.offer(key, result, values)) {
                // One task per waiting result; it delivers the newest one offered by then.
                events.queue(() -> {
                    JobResult newest = backlog.take(key);
                    if (newest != null) {
                        events.notifyListeners(l -> l.onResultReceived(executionId, node, newest));
                    }
                }, () -> backlog.take(key));
            }
        });
    }

    /** Gives the reservation back unless the result was handed over. */
    @Override
    public void close() {
        if (!handedOver) {
            backlog.cancel(run.id() + "/" + node, values);
        }
    }
}

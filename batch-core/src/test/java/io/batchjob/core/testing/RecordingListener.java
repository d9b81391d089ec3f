package io.batchjob.core.testing;

import io.batchjob.core.result.JobResult;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobSummary;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link ExecutionListener} that writes down every call, as text and as values. */
public final class RecordingListener implements ExecutionListener {

    /** Every call as {@code method:args}, in order. */
    public final List<String> events = new CopyOnWriteArrayList<>();
    public final List<ExecutionStart> starts = new CopyOnWriteArrayList<>();
    public final List<JobSummary> jobEnds = new CopyOnWriteArrayList<>();
    public final List<ExecutionSummary> finished = new CopyOnWriteArrayList<>();
    public final List<String> pruned = new CopyOnWriteArrayList<>();
    public final List<String> skipped = new CopyOnWriteArrayList<>();
    public final List<String> failedTriggers = new CopyOnWriteArrayList<>();

    @Override
    public void onExecutionStarted(ExecutionStart start) {
        starts.add(start);
        events.add("started:" + start.executionId());
    }

    @Override
    public void onTriggerSkipped(String cause, String reason) {
        skipped.add(reason);
        events.add("skipped:" + cause);
    }

    @Override
    public void onTriggerFailed(String cause, String reason) {
        failedTriggers.add(reason);
        events.add("triggerFailed:" + cause);
    }

    @Override
    public void onJobStarted(String executionId, String node) {
        events.add("jobStarted:" + node);
    }

    @Override
    public void onJobRetrying(String executionId, String node, io.batchjob.core.spi.JobAttempt attempt) {
        events.add("jobRetrying:" + node + ":" + attempt.number() + ":" + attempt.outcome());
    }

    @Override
    public void onJobEnded(String executionId, JobSummary job) {
        jobEnds.add(job);
        events.add("jobEnded:" + job.node() + ":" + job.outcome());
    }

    @Override
    public void onResultReceived(String executionId, String node, JobResult result) {
        events.add("result:" + node);
    }

    @Override
    public void onExecutionFinished(ExecutionSummary summary) {
        finished.add(summary);
        events.add("finished:" + summary.executionId());
    }

    @Override
    public void onExecutionPruned(String executionId) {
        pruned.add(executionId);
        events.add("pruned:" + executionId);
    }
}

package io.batchjob.core.testing;

import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.spi.ExecutionHandover;

import java.util.Optional;

/** The reference {@link ExecutionHandover}: one plan and whether it finished, in memory, shared by the engines of a test. */
public final class InMemoryExecutionHandover implements ExecutionHandover {

    private ExecutionPlan plan;
    private boolean finished;

    @Override
    public synchronized void started(ExecutionPlan plan) {
        this.plan = plan;
        this.finished = false;
    }

    @Override
    public synchronized void finished(String executionId) {
        if (plan != null && plan.executionId().equals(executionId)) {
            finished = true;
        }
    }

    @Override
    public synchronized Optional<ExecutionPlan> unfinished() {
        return plan == null || finished ? Optional.empty() : Optional.of(plan);
    }
}

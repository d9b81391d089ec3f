package io.batchjob.core.execution;

import java.time.Instant;
import java.util.List;

/**
 * Written as {@code _plan.json} when an execution starts, so that another controller can resume
 * it: which nodes it covers and why it started.
 *
 * @param executionId the execution
 * @param cause       what triggered it
 * @param startedAt   when it started
 * @param nodes       its nodes, in dispatch order
 */
public record ExecutionPlan(String executionId, String cause, Instant startedAt, List<String> nodes) {
    public ExecutionPlan {
        nodes = List.copyOf(nodes);
    }
}

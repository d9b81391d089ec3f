package io.batchjob.core.execution;

import com.fasterxml.jackson.annotation.JsonInclude;

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
 * @param request     the operator's request it answers ({@code run=<value>}, {@code rerun=<value>}), or null
 * @param skipped     nodes asked for but not run (a re-run's nodes that are no longer Ready or selected)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ExecutionPlan(String executionId, String cause, Instant startedAt, List<String> nodes, String request,
                            List<String> skipped) {
    public ExecutionPlan {
        nodes = nodes == null ? List.of() : List.copyOf(nodes); // an execution without nodes is written without the key
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
    }

    /** A plan of every selected node, answering no request. */
    public ExecutionPlan(String executionId, String cause, Instant startedAt, List<String> nodes) {
        this(executionId, cause, startedAt, nodes, null, List.of());
    }
}

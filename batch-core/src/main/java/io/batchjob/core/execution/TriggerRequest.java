package io.batchjob.core.execution;

import java.util.List;
import java.util.Objects;

/**
 * What a trigger asks for.
 *
 * @param cause   why, for logs, the plan and the summary ({@code schedule}, {@code manual},
 *                {@code rerun:<id>}, ...)
 * @param nodes   only these nodes (a re-run), or null for every node the node source lists
 * @param request the operator's request this answers (e.g. {@code run=<value>}), recorded in the
 *                plan so that it is handled once across restarts and leader changes; null for none
 * @param skipped nodes that were asked for but are not run (no longer Ready or selected), recorded
 *                in the plan
 */
public record TriggerRequest(String cause, List<String> nodes, String request, List<String> skipped) {

    public TriggerRequest {
        Objects.requireNonNull(cause, "cause");
        nodes = nodes == null ? null : List.copyOf(nodes);
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
    }

    /**
     * Whether an operator asked for this run (a {@code run} annotation, or a re-run of chosen
     * nodes), as opposed to the schedule: under {@code concurrencyPolicy: Replace} it replaces a
     * running execution at once, where a scheduled trigger waits until every job has started.
     */
    public boolean isOperatorRequest() {
        return request != null || nodes != null;
    }

    /** All selected nodes, for this cause. */
    public static TriggerRequest of(String cause) {
        return new TriggerRequest(cause, null, null, List.of());
    }
}

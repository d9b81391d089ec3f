package io.batchjob.core.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An execution began (or was resumed after a restart or a change of leader).
 *
 * @param executionId the new execution's ID
 * @param cause       what triggered it ({@code schedule}, {@code startup}, {@code manual}, ...)
 * @param startedAt   when it started (for a resumed one: when it originally started)
 * @param nodes       the nodes it runs on, one job each
 * @param resumed     whether this controller took it over instead of starting it
 */
public record ExecutionStart(String executionId, String cause, Instant startedAt, List<String> nodes, boolean resumed) {
    public ExecutionStart {
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(startedAt, "startedAt");
        nodes = List.copyOf(nodes);
    }
}

package io.batchjob.core.schedule;

import java.time.ZonedDateTime;
import java.util.Optional;

/** When executions are triggered. Implementations are immutable and thread-safe. */
public interface Schedule {

    /**
     * @param after a point in time
     * @return the first firing time strictly after {@code after}, in the schedule's zone;
     *         empty when the schedule never fires again
     */
    Optional<ZonedDateTime> nextAfter(ZonedDateTime after);

    /** The expression as configured, for logs and the info metric. */
    String expression();
}

package io.batchjob.core.execution;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Execution IDs: the UTC start time as {@code yyyyMMddHHmmss}, numeric and sortable, and never
 * equal to or lower than an ID issued before (also across restarts, by starting above the newest
 * one in the report directory). Two triggers in the same second get consecutive numbers. Older
 * {@code yyyyMMddHHmm} IDs of the Go controller sort below every new one.
 */
final class ExecutionIds {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    private final Clock clock;
    private long last;

    ExecutionIds(Clock clock, long floor) {
        this.clock = clock;
        this.last = floor;
    }

    synchronized String next() {
        long candidate = Long.parseLong(FORMAT.format(clock.instant()));
        last = Math.max(candidate, last + 1);
        return Long.toString(last);
    }

    synchronized void raiseFloor(long floor) {
        last = Math.max(last, floor);
    }
}

package io.batchjob.core.schedule;

import java.time.Duration;
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

    /** How far ahead {@link #longestInterval} looks: a week and a day covers weekday-only schedules. */
    Duration INTERVAL_HORIZON = Duration.ofDays(8);

    /** At most this many firings are walked by {@link #longestInterval} (a minutely schedule over 8 days is 11,520). */
    int INTERVAL_MAX_FIRINGS = 20_000;

    /**
     * The longest gap between two consecutive firings in the {@link #INTERVAL_HORIZON} after
     * {@code from} (at most {@link #INTERVAL_MAX_FIRINGS} firings; a gap reaching past the horizon
     * counts whole). Alerts use it as "the schedule's period": for {@code 0 3 * * 1-5} it is the
     * weekend's 3 days, not 1 day, so a quiet weekend does not page anybody.
     *
     * @return empty when the schedule fires fewer than twice from {@code from} on
     */
    default Optional<Duration> longestInterval(ZonedDateTime from) {
        Optional<ZonedDateTime> previous = nextAfter(from);
        if (previous.isEmpty()) {
            return Optional.empty();
        }
        ZonedDateTime end = from.plus(INTERVAL_HORIZON);
        Duration longest = null;
        for (int i = 0; i < INTERVAL_MAX_FIRINGS; i++) {
            Optional<ZonedDateTime> next = nextAfter(previous.get());
            if (next.isEmpty()) {
                break;
            }
            Duration gap = Duration.between(previous.get(), next.get());
            if (longest == null || gap.compareTo(longest) > 0) {
                longest = gap;
            }
            if (next.get().isAfter(end)) {
                break;
            }
            previous = next;
        }
        return Optional.ofNullable(longest);
    }
}

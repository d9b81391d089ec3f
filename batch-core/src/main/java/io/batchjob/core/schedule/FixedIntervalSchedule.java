package io.batchjob.core.schedule;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Optional;

/** {@code @every <duration>} as in Go's robfig/cron: a fixed interval from the previous firing. */
final class FixedIntervalSchedule implements Schedule {

    private final String expression;
    private final Duration interval;

    FixedIntervalSchedule(String expression, Duration interval) {
        this.expression = expression;
        this.interval = interval;
    }

    @Override
    public Optional<ZonedDateTime> nextAfter(ZonedDateTime after) {
        return Optional.of(after.plus(interval));
    }

    @Override
    public String expression() {
        return expression;
    }

    Duration interval() {
        return interval;
    }

    @Override
    public String toString() {
        return "every(" + interval + ")";
    }
}

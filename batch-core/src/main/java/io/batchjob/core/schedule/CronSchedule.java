package io.batchjob.core.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.time.ExecutionTime;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/** A 5-field Unix cron expression (or nickname) evaluated in a time zone. */
final class CronSchedule implements Schedule {

    private final String expression;
    private final ExecutionTime executionTime;
    private final ZoneId zone;

    CronSchedule(String expression, Cron cron, ZoneId zone) {
        this.expression = expression;
        this.executionTime = ExecutionTime.forCron(cron);
        this.zone = zone;
    }

    @Override
    public Optional<ZonedDateTime> nextAfter(ZonedDateTime after) {
        return executionTime.nextExecution(after.withZoneSameInstant(zone));
    }

    @Override
    public String expression() {
        return expression;
    }

    @Override
    public String toString() {
        return "cron(" + expression + " " + zone + ")";
    }
}

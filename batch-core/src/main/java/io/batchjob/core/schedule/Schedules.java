package io.batchjob.core.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import io.batchjob.core.config.GoDuration;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * Parses {@code cronExpression} as the Go controller's robfig/cron did: 5-field Unix cron (names
 * such as {@code MON} and {@code JAN} allowed, day of week 0-7, {@code ?} meaning {@code *}), the
 * nicknames {@code @yearly @annually @monthly @weekly @daily @midnight @hourly},
 * {@code @every <duration>}, and a leading {@code CRON_TZ=<zone>} or {@code TZ=<zone>} that sets
 * the time zone of that expression (it wins over {@code cronTimeZone}).
 */
public final class Schedules {

    /** Unix fields plus nicknames: cron-utils' UNIX definition rejects nicknames. */
    private static final CronDefinition UNIX_WITH_NICKNAMES = CronDefinitionBuilder.defineCron()
            .withMinutes().withValidRange(0, 59).withStrictRange().and()
            .withHours().withValidRange(0, 23).withStrictRange().and()
            .withDayOfMonth().withValidRange(1, 31).withStrictRange().and()
            .withMonth().withValidRange(1, 12).withStrictRange().and()
            .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0).withStrictRange().and()
            .withSupportedNicknameYearly()
            .withSupportedNicknameAnnually()
            .withSupportedNicknameMonthly()
            .withSupportedNicknameWeekly()
            .withSupportedNicknameDaily()
            .withSupportedNicknameMidnight()
            .withSupportedNicknameHourly()
            .instance();

    private static final CronParser PARSER = new CronParser(UNIX_WITH_NICKNAMES);
    private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    private Schedules() {
    }

    /**
     * @param expression the configured expression
     * @param zone       the zone cron fields are evaluated in
     * @return the schedule
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static Schedule parse(String expression, ZoneId zone) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("the expression is empty");
        }
        String text = expression.strip();
        if (text.startsWith("CRON_TZ=") || text.startsWith("TZ=")) {
            int space = text.indexOf(' ');
            String name = text.substring(text.indexOf('=') + 1, space < 0 ? text.length() : space);
            try {
                zone = ZoneId.of(name);
            } catch (java.time.DateTimeException e) {
                throw new IllegalArgumentException("'" + name + "' in '" + text + "' is not a time zone: use an IANA name such as 'UTC' or 'Europe/Zurich'");
            }
            if (space < 0) {
                throw new IllegalArgumentException("'" + text + "' has a time zone but no schedule after it");
            }
            return parse(text.substring(space + 1), zone);
        }
        if (text.startsWith("@every")) {
            String rest = text.substring("@every".length()).strip();
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("@every needs a duration, e.g. '@every 1h30m'");
            }
            Duration interval = GoDuration.parse(rest);
            if (interval.compareTo(MIN_INTERVAL) < 0) {
                throw new IllegalArgumentException("@every needs an interval of at least 1s");
            }
            return new FixedIntervalSchedule(text, interval);
        }
        Cron cron;
        try {
            cron = PARSER.parse(questionMarksAsStars(text));
            cron.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid cron expression (" + e.getMessage()
                    + "); use 5 fields 'minute hour day-of-month month day-of-week', a nickname such as @daily, or '@every <duration>'");
        }
        CronSchedule schedule = new CronSchedule(text, cron, zone);
        // An expression that never fires (e.g. 31 February) is a mistake, not a schedule.
        if (schedule.nextAfter(ZonedDateTime.now(zone)).isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' never fires");
        }
        return schedule;
    }

    /** robfig/cron reads {@code ?} as {@code *} in any field (also {@code ?/5}). */
    private static String questionMarksAsStars(String text) {
        String[] fields = text.split("\\s+");
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].startsWith("?")) {
                fields[i] = "*" + fields[i].substring(1);
            }
        }
        return String.join(" ", fields);
    }
}

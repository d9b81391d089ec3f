package io.batchjob.core.schedule;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchedulesTest {

    private static final ZonedDateTime FRI_08_00 = ZonedDateTime.of(2026, 11, 27, 8, 0, 0, 0, ZoneOffset.UTC);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
            "42 3 * * * => 2026-11-28T03:42Z",
            "*/15 * * * * => 2026-11-27T08:15Z",
            "0 9 * * MON-FRI => 2026-11-27T09:00Z",
            "0 0 * * 0 => 2026-11-29T00:00Z",
            "0 0 * * 7 => 2026-11-29T00:00Z",
            "0 0 * * SUN => 2026-11-29T00:00Z",
            "0 0 1 JAN * => 2027-01-01T00:00Z",
            "@yearly => 2027-01-01T00:00Z",
            "@annually => 2027-01-01T00:00Z",
            "@monthly => 2026-12-01T00:00Z",
            "@weekly => 2026-11-29T00:00Z",
            "@daily => 2026-11-28T00:00Z",
            "@midnight => 2026-11-28T00:00Z",
            "@hourly => 2026-11-27T09:00Z",
            "@every 1h30m => 2026-11-27T09:30Z",
            "@every 45s => 2026-11-27T08:00:45Z",
            "0 0 ? * MON => 2026-11-30T00:00Z",
            "0 12 1 * ? => 2026-12-01T12:00Z",
            "?/20 * * * * => 2026-11-27T08:20Z"})
    void computesTheNextFiring(String expression, String expected) {
        Schedule s = Schedules.parse(expression, ZoneOffset.UTC);

        assertThat(s.nextAfter(FRI_08_00)).get().extracting(z -> z.withZoneSameInstant(ZoneOffset.UTC).toString()).isEqualTo(expected);
        assertThat(s.expression()).isEqualTo(expression);
    }

    @ParameterizedTest
    @CsvSource({"Europe/Zurich, 2026-11-28T02:42Z", "America/New_York, 2026-11-27T08:42Z", "UTC, 2026-11-28T03:42Z"})
    void evaluatesCronFieldsInTheConfiguredZone(String zone, String expected) {
        Schedule s = Schedules.parse("42 3 * * *", ZoneId.of(zone));

        assertThat(s.nextAfter(FRI_08_00).orElseThrow().withZoneSameInstant(ZoneOffset.UTC).toString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
            "CRON_TZ=Europe/Zurich 42 3 * * * => 2026-11-28T02:42Z",
            "TZ=America/New_York 42 3 * * * => 2026-11-27T08:42Z",
            "CRON_TZ=UTC @daily => 2026-11-28T00:00Z",
            "CRON_TZ=Asia/Tokyo 0 9 ? * MON-FRI => 2026-11-30T00:00Z"})
    void aTimeZonePrefixAsRobfigCronReadsItWinsOverTheConfiguredZone(String expression, String expected) {
        Schedule s = Schedules.parse(expression, ZoneId.of("Pacific/Auckland"));

        assertThat(s.nextAfter(FRI_08_00).orElseThrow().withZoneSameInstant(ZoneOffset.UTC).toString()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CRON_TZ=Mars/Olympus 0 0 * * *", "TZ=", "CRON_TZ=UTC", "TZ=UTC 61 * * * *"})
    void rejectsBadTimeZonePrefixes(String expression) {
        assertThatThrownBy(() -> Schedules.parse(expression, ZoneOffset.UTC)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("Exception");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "* * * *", "0 0 * * * *", "60 * * * *", "* 24 * * *", "* * 32 * *", "* * * 13 *",
            "* * * * 8", "@fortnightly", "@every", "@every 0s", "@every -1m", "0 0 30 2 *", "x y z w v"})
    void rejectsInvalidExpressions(String expression) {
        assertThatThrownBy(() -> Schedules.parse(expression, ZoneOffset.UTC)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("Exception");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
            "42 3 * * * => PT24H",
            "*/15 * * * * => PT15M",
            "@every 90s => PT1M30S",
            // weekdays only: the weekend is the longest gap, not a day
            "0 3 * * 1-5 => PT72H",
            // every minute during office hours: the night is the longest gap
            "* 9-17 * * * => PT15H1M",
            "@weekly => PT168H",
            // monthly: the next gap reaches past the 8-day horizon and counts whole
            "@monthly => PT744H"})
    void theLongestIntervalIsTheLongestGapBetweenFirings(String expression, String expected) {
        Schedule s = Schedules.parse(expression, ZoneOffset.UTC);

        assertThat(s.longestInterval(FRI_08_00)).contains(java.time.Duration.parse(expected));
    }
}

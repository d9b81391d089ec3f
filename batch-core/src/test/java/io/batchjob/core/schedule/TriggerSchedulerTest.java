package io.batchjob.core.schedule;

import io.batchjob.core.testing.ManualClock;
import io.batchjob.core.testing.ManualTimer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TriggerSchedulerTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-27T08:00:00Z"));
    private final ManualTimer timer = new ManualTimer(clock);
    private final List<String> fired = new ArrayList<>();

    private TriggerScheduler scheduler(String cron, boolean onStartup, Duration delay) {
        return new TriggerScheduler(cron == null ? null : Schedules.parse(cron, ZoneOffset.UTC), onStartup, delay, clock, timer,
                cause -> fired.add(cause + "@" + clock.instant()));
    }

    @Test
    void firesOnTheScheduleWithoutWaitingForRealTime() {
        TriggerScheduler s = scheduler("*/30 * * * *", false, Duration.ZERO);
        s.start();

        timer.advance(Duration.ofHours(2));

        assertThat(fired).containsExactly("SCHEDULE@2026-11-27T08:30:00Z", "SCHEDULE@2026-11-27T09:00:00Z",
                "SCHEDULE@2026-11-27T09:30:00Z", "SCHEDULE@2026-11-27T10:00:00Z");
    }

    @Test
    void firesOnceAfterTheStartupDelayWhenAsked() {
        TriggerScheduler s = scheduler("@daily", true, Duration.ofSeconds(10));
        s.start();

        timer.advance(Duration.ofSeconds(9));
        assertThat(fired).isEmpty();
        timer.advance(Duration.ofSeconds(1));
        assertThat(fired).containsExactly("STARTUP@2026-11-27T08:00:10Z");
        timer.advance(Duration.ofHours(1));
        assertThat(fired).hasSize(1);
    }

    @Test
    void withoutAScheduleOnlyTheStartupTriggerFires() {
        TriggerScheduler s = scheduler(null, true, Duration.ofSeconds(1));
        s.start();
        timer.advance(Duration.ofDays(2));

        assertThat(fired).containsExactly("STARTUP@2026-11-27T08:00:01Z");
        assertThat(s.nextFiring()).isEmpty();
    }

    @Test
    void stopCancelsEverythingPlanned() {
        TriggerScheduler s = scheduler("@hourly", true, Duration.ofSeconds(10));
        s.start();
        s.stop();

        timer.advance(Duration.ofHours(3));

        assertThat(fired).isEmpty();
        assertThat(timer.pending()).isZero();
    }

    @Test
    void everyFiresAtAFixedInterval() {
        TriggerScheduler s = scheduler("@every 20m", false, Duration.ZERO);
        s.start();
        timer.advance(Duration.ofHours(1));

        assertThat(fired).containsExactly("SCHEDULE@2026-11-27T08:20:00Z", "SCHEDULE@2026-11-27T08:40:00Z", "SCHEDULE@2026-11-27T09:00:00Z");
    }

    @Test
    void aFailingTriggerDoesNotStopTheSchedule() {
        List<Instant> calls = new ArrayList<>();
        TriggerScheduler s = new TriggerScheduler(Schedules.parse("@hourly", ZoneOffset.UTC), false, Duration.ZERO, clock, timer, c -> {
            calls.add(clock.instant());
            throw new IllegalStateException("boom");
        });
        s.start();
        timer.advance(Duration.ofHours(2));

        assertThat(calls).hasSize(2);
    }

    @Test
    void afterALongPauseItFiresOnceInsteadOfCatchingUp() {
        TriggerScheduler s = scheduler("*/10 * * * *", false, Duration.ZERO);
        s.start();
        // The process was suspended for an hour: the clock jumps, then the timer fires late.
        clock.advance(Duration.ofHours(1));
        timer.advance(Duration.ZERO);

        assertThat(fired).containsExactly("SCHEDULE@2026-11-27T09:00:00Z");
        assertThat(s.nextFiring()).get().hasToString("2026-11-27T09:10Z");
    }

    @Test
    void suspendedNothingFiresAndResumingFiresNoMissedTick() {
        TriggerScheduler s = scheduler("*/30 * * * *", true, Duration.ofSeconds(10));
        s.start();
        timer.advance(Duration.ofMinutes(31)); // startup at 08:00:10, tick at 08:30
        assertThat(fired).containsExactly("STARTUP@2026-11-27T08:00:10Z", "SCHEDULE@2026-11-27T08:30:00Z");

        s.update(Schedules.parse("*/30 * * * *", ZoneOffset.UTC), true);
        assertThat(s.isSuspended()).isTrue();
        assertThat(s.nextFiring()).isEmpty();
        timer.advance(Duration.ofMinutes(50)); // the 09:00 tick falls inside the suspended interval
        assertThat(fired).hasSize(2);

        s.update(Schedules.parse("*/30 * * * *", ZoneOffset.UTC), false); // resumed at 09:21
        assertThat(fired).as("no missed tick fires on resuming").hasSize(2);
        timer.advance(Duration.ofMinutes(10));
        assertThat(fired).containsExactly("STARTUP@2026-11-27T08:00:10Z", "SCHEDULE@2026-11-27T08:30:00Z",
                "SCHEDULE@2026-11-27T09:30:00Z");
    }

    @Test
    void startedSuspendedTheStartupTriggerDoesNotFireAndANewScheduleReplacesTheOld() {
        TriggerScheduler s = new TriggerScheduler(Schedules.parse("@hourly", ZoneOffset.UTC), true, true, Duration.ofSeconds(1), clock,
                timer, cause -> fired.add(cause + "@" + clock.instant()));
        s.start();
        timer.advance(Duration.ofHours(3));
        assertThat(fired).isEmpty();

        s.update(Schedules.parse("*/15 * * * *", ZoneOffset.UTC), false); // 11:00:01 now
        s.update(Schedules.parse("*/20 * * * *", ZoneOffset.UTC), false); // replaces it before it fired
        timer.advance(Duration.ofMinutes(45));
        assertThat(fired).containsExactly("SCHEDULE@2026-11-27T11:20:00Z", "SCHEDULE@2026-11-27T11:40:00Z");
        s.update(null, false);
        timer.advance(Duration.ofHours(2));
        assertThat(fired).hasSize(2);
        assertThat(s.nextFiring()).isEmpty();
    }

    @Test
    void theLongestIntervalFollowsTheScheduleAndIsEmptyWhileSuspendedOrWithoutOne() {
        TriggerScheduler s = scheduler("0 3 * * 1-5", false, Duration.ZERO);
        assertThat(s.longestInterval()).contains(Duration.ofDays(3));

        s.update(Schedules.parse("*/20 * * * *", ZoneOffset.UTC), false);
        assertThat(s.longestInterval()).contains(Duration.ofMinutes(20));
        s.update(Schedules.parse("*/20 * * * *", ZoneOffset.UTC), true);
        assertThat(s.longestInterval()).isEmpty();
        s.update(null, false);
        assertThat(s.longestInterval()).isEmpty();
    }
}

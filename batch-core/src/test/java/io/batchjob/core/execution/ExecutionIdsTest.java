package io.batchjob.core.execution;

import io.batchjob.core.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ExecutionIdsTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-27T08:00:00Z"));

    @Test
    void isTheUtcStartTimeToTheSecond() {
        assertThat(new ExecutionIds(clock, 0).next()).isEqualTo("20261127080000");
    }

    @Test
    void neverRepeatsWithinOneSecondOrWhenTheClockGoesBack() {
        ExecutionIds ids = new ExecutionIds(clock, 0);
        Set<String> seen = new HashSet<>();
        long previous = 0;
        for (int i = 0; i < 1000; i++) {
            if (i == 500) {
                clock.advance(Duration.ofHours(-2));
            }
            String id = ids.next();
            assertThat(Long.parseLong(id)).isGreaterThan(previous);
            previous = Long.parseLong(id);
            seen.add(id);
        }
        assertThat(seen).hasSize(1000);
    }

    @Test
    void startsAboveTheNewestExistingId() {
        assertThat(new ExecutionIds(clock, 20991231235959L).next()).isEqualTo("20991231235960");
    }
}

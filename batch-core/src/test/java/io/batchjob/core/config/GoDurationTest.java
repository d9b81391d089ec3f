package io.batchjob.core.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GoDurationTest {

    @ParameterizedTest
    @CsvSource({
            "10s, PT10S",
            "1m30s, PT1M30S",
            "1.5h, PT1H30M",
            "300ms, PT0.3S",
            "1h2m3s4ms5us6ns, PT1H2M3.004005006S",
            "2µs, PT0.000002S",
            "0, PT0S",
            "+5m, PT5M",
            ".5s, PT0.5S",
            "10000000000, PT10S"})
    void parsesWhatGoParses(String text, Duration expected) {
        assertThat(GoDuration.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "-1s", "1x", "s", "1.2.3s", "10 s", "1d", "h1", "9999999999h", "1s1"})
    void rejectsEverythingElse(String text) {
        assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("Exception");
    }

    @ParameterizedTest
    @CsvSource({"PT1H30M, 1h30m0s", "PT0.25S, 250ms", "PT10S, 10s", "PT0S, 0s", "PT2M0.5S, 2m0.5s"})
    void formatsLikeGo(Duration d, String expected) {
        assertThat(GoDuration.format(d)).isEqualTo(expected);
    }
}

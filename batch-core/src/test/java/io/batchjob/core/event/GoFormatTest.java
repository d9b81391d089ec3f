package io.batchjob.core.event;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Expected strings are what Go's fmt.Sprintf prints for the same input. */
class GoFormatTest {

    @Test
    void substitutesArgumentsLikeSprintf() {
        assertThat(GoFormat.format("m: %s", List.of("a1"))).isEqualTo("m: a1");
        assertThat(GoFormat.format("%s and %v", List.of("a", 2))).isEqualTo("a and 2");
        assertThat(GoFormat.format("%d files", List.of(3))).isEqualTo("3 files");
        assertThat(GoFormat.format("%d files", List.of(3.0))).isEqualTo("3 files");
        assertThat(GoFormat.format("%.2f%%", List.of(99.456))).isEqualTo("99.46%");
        assertThat(GoFormat.format("%q", List.of("x\"y"))).isEqualTo("\"x\\\"y\"");
        assertThat(GoFormat.format("%t", List.of(true))).isEqualTo("true");
        assertThat(GoFormat.format("%x", List.of(255))).isEqualTo("ff");
        assertThat(GoFormat.format("100%%", List.of())).isEqualTo("100%");
        assertThat(GoFormat.format("%v", Arrays.asList((Object) null))).isEqualTo("<nil>");
    }

    @Test
    void neverFailsOnMissingOrExtraArguments() {
        assertThat(GoFormat.format("a %s b %s", List.of("x"))).isEqualTo("a x b %!s(MISSING)");
        assertThat(GoFormat.format("no verbs", List.of("x", 2))).isEqualTo("no verbs%!(EXTRA string=x, int=2)");
        assertThat(GoFormat.format("%d", List.of("text"))).isEqualTo("%!d(string=text)");
        assertThat(GoFormat.format("trailing %", List.of())).isEqualTo("trailing %!(NOVERB)");
        assertThat(GoFormat.format("%z", List.of(1))).isEqualTo("%!z(int=1)");
    }
}

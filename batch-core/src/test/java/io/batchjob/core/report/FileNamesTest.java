package io.batchjob.core.report;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileNamesTest {

    /** Names a client might send to escape the execution directory or confuse a reader. */
    static Stream<String> hostileNames() {
        return Stream.of(
                null, "", ".", "..", "../x", "../../etc/passwd", "..\\..\\windows", "/etc/passwd", "/", "\\",
                "a/b", "a\\b", "./x", "x/..", "x/.", "..//..", "a\u0000b", "\u0000", "name\n.txt", "name\r",
                "tab\tname", "\u001b[31mred", "del\u007f", "c1\u0085", "bidi\u202Etxt.exe", "zero\u200Bwidth",
                "line\u2028sep", "para\u2029sep", "bom\uFEFF", "bad\uD800surrogate", "\uDC00low", " leading", "trailing ",
                "\u00A0nbsp", "%2e%2e%2f", "..%2F..%2Fetc", "a%5Cb", "x".repeat(256), "ä".repeat(128), "../" + "x".repeat(300), "%00".replace("%00", "\u0000"),
                // Invisible beyond the BMP and default-ignorable ones: tag characters, musical format marks, variation
                // selectors, fillers, the combining grapheme joiner, private use, unassigned.
                "tag" + new String(Character.toChars(0xE0041)) + ".txt", "beam" + new String(Character.toChars(0x1D173)) + ".txt",
                "vs\uFE0F.txt", "vs" + new String(Character.toChars(0xE0100)) + ".txt", "filler\u3164.txt", "hangul\u115F.txt",
                "cgj\u034F.txt", "mongolian\u180E.txt", "word\u2060joiner", "private\uE000.txt",
                "private" + new String(Character.toChars(0xF0000)) + ".txt", "unassigned\u0378.txt");
    }

    @ParameterizedTest
    @MethodSource("hostileNames")
    void refusesHostileNames(String name) {
        assertThat(FileNames.isSafe(name)).isFalse();
        assertThatThrownBy(() -> FileNames.requireSafe(name)).isInstanceOf(InvalidFileNameException.class)
                .hasMessageStartingWith("the file name")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContainPattern("[\\x00-\\x1f\\x7f]"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"report.txt", "node-1.json", "a b.log", "..hidden", "...", ".bashrc", "100%.txt", "a%20b", "名前.txt",
            "emoji-\uD83D\uDE00.txt", "x.tar.gz", "UPPER.TXT", "a..b", "~tilde", "$HOME", "a;b", "'quoted'"})
    void acceptsOrdinaryNames(String name) {
        assertThat(FileNames.requireSafe(name)).isEqualTo(name);
    }

    @org.junit.jupiter.api.Test
    void theCorpusHasAtLeastThirtyNames() {
        assertThat(hostileNames().count()).isGreaterThanOrEqualTo(30);
    }

    @org.junit.jupiter.api.Test
    void allows255BytesButNotMore() {
        assertThat(FileNames.isSafe("x".repeat(255))).isTrue();
        assertThat(FileNames.isSafe("x".repeat(256))).isFalse();
        assertThat(FileNames.isSafe("é".repeat(127) + "x")).isTrue(); // 255 bytes
        assertThat(FileNames.isSafe("é".repeat(128))).isFalse(); // 256 bytes
    }
}

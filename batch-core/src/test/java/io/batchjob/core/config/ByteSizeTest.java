package io.batchjob.core.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteSizeTest {

    @ParameterizedTest
    @CsvSource({"1, 1", "1024, 1024", "1Ki, 1024", "100Mi, 104857600", "2Gi, 2147483648", "10M, 10000000", "5k, 5000", "3 Mi, 3145728"})
    void parsesSizes(String text, long expected) {
        assertThat(ByteSize.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "-1", "1.5Mi", "1Pi", "Mi", "99999999999999999999", "9999999999Ti"})
    void rejectsOthers(String text) {
        assertThatThrownBy(() -> ByteSize.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"104857600, 100Mi", "1536, 1536 bytes", "1024, 1Ki"})
    void formats(long bytes, String expected) {
        assertThat(ByteSize.format(bytes)).isEqualTo(expected);
    }
}

package io.batchjob.examples.config;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.CustomConfigException;
import io.batchjob.core.config.CustomSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScanSettingsTest {

    private static CustomSettings custom(String yaml) {
        return ConfigLoader.parseConfig("name: scanner\n" + yaml, "test", new ArrayList<>()).custom();
    }

    @Test
    void readsNestedMapsListsNumbersAndStrings() {
        ScanSettings s = ScanSettings.from(custom(CustomConfigExample.EXAMPLE.substring(CustomConfigExample.EXAMPLE.indexOf("custom:"))));

        assertThat(s).isEqualTo(new ScanSettings("https://scanner.example/api", Duration.ofSeconds(45), 3, List.of("cis", "pci"),
                Map.of("critical", 0.0, "high", 2.5), true, List.of("ops", "security")));
    }

    @Test
    void appliesDefaultsForOptionalValues() {
        ScanSettings s = ScanSettings.from(custom("custom: {target: {url: 'http://x'}, profiles: [cis]}"));

        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.retries()).isEqualTo(1);
        assertThat(s.thresholds()).isEmpty();
        assertThat(s.notifyEnabled()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "custom: {profiles: [cis]} => custom.target is required: set it to a map in the custom section of config.yaml",
            "custom: {target: {}, profiles: [cis]} => custom.target.url is required: set it to a string",
            "custom: {target: {url: 5}, profiles: [cis]} => custom.target.url: expected a string but found number 5",
            "custom: {target: {url: 'ftp://x'}, profiles: [cis]} => custom.target.url: 'ftp://x' is not an http(s) URL",
            "custom: {target: {url: 'http://x', timeout: soon}, profiles: [cis]} => custom.target.timeout: 'soon' is not a duration",
            "custom: {target: {url: 'http://x'}, retries: three, profiles: [cis]} => custom.retries: expected an integer but found string \"three\"",
            "custom: {target: {url: 'http://x'}, retries: 11, profiles: [cis]} => custom.retries: 11 is out of range: use 0 to 10",
            "custom: {target: {url: 'http://x'}} => custom.profiles is required: set it to a list of strings",
            "custom: {target: {url: 'http://x'}, profiles: [cis, 7]} => custom.profiles[1]: expected a string but found number 7",
            "custom: {target: {url: 'http://x'}, profiles: []} => custom.profiles: list at least one profile",
            "custom: {target: {url: 'http://x'}, profiles: [a], thresholds: {high: lots}} => custom.thresholds.high: expected a number but found string \"lots\"",
            "custom: {target: {url: 'http://x'}, profiles: [a], notify: {enabled: yes-please}} => custom.notify.enabled: expected true or false"})
    void failsWithTheFullKeyAndWhatIsWrong(String yaml, String message) {
        assertThatThrownBy(() -> ScanSettings.from(custom(yaml))).isInstanceOf(CustomConfigException.class).hasMessageContaining(message);
    }
}

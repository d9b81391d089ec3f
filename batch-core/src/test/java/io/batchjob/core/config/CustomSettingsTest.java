package io.batchjob.core.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CustomSettingsTest {

    private final CustomSettings custom = ConfigLoader.load("""
            name: a
            custom:
              target:
                url: http://target
                port: 8443
                ratio: 0.5
                secure: true
                timeout: 30s
              tags: [a, b]
              mixed: [a, 1]
              targets:
                - {url: x}
                - 5
              huge: 99999999999999999999
            """, "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a}]}", "test").config().custom();

    @Test
    void readsTypedValuesByDottedPath() {
        assertThat(custom.string("target.url")).isEqualTo("http://target");
        assertThat(custom.integer("target.port")).isEqualTo(8443);
        assertThat(custom.longValue("target.port")).isEqualTo(8443L);
        assertThat(custom.decimal("target.ratio")).isEqualTo(0.5);
        assertThat(custom.decimal("target.port")).isEqualTo(8443.0);
        assertThat(custom.bool("target.secure")).isTrue();
        assertThat(custom.duration("target.timeout")).isEqualTo(Duration.ofSeconds(30));
        assertThat(custom.stringList("tags")).containsExactly("a", "b");
        assertThat(custom.section("target").string("url")).isEqualTo("http://target");
        assertThat(custom.optionalString("target.missing")).isEmpty();
        assertThat(custom.optionalInteger("nope.deeper")).isEmpty();
        assertThat(custom.contains("target.port")).isTrue();
    }

    @Test
    void failsWithTheFullKeyWhatWasFoundAndWhatWasExpected() {
        assertThatThrownBy(() -> custom.string("target.missing")).isInstanceOf(CustomConfigException.class)
                .hasMessage("custom.target.missing is required: set it to a string in the custom section of config.yaml");
        assertThatThrownBy(() -> custom.integer("target.url")).hasMessage("custom.target.url: expected an integer but found string \"http://target\"");
        assertThatThrownBy(() -> custom.integer("target.ratio")).hasMessage("custom.target.ratio: expected an integer but found number 0.5");
        assertThatThrownBy(() -> custom.bool("target.port")).hasMessage("custom.target.port: expected true or false but found number 8443");
        assertThatThrownBy(() -> custom.stringList("mixed")).hasMessage("custom.mixed[1]: expected a string but found number 1");
        assertThatThrownBy(() -> custom.section("tags")).hasMessage("custom.tags: expected a map but found a list");
        assertThatThrownBy(() -> custom.section("target").integer("secure")).hasMessage("custom.target.secure: expected an integer but found boolean true");
        assertThatThrownBy(() -> custom.sectionList("targets")).hasMessage("custom.targets[1]: expected a map but found number 5");
        assertThatThrownBy(() -> custom.string("target.url.deeper")).hasMessageContaining("custom.target.url.deeper: expected a map on the way");
        assertThatThrownBy(() -> custom.duration("target.url")).hasMessageContaining("custom.target.url: 'http://target' is not a duration");
        assertThatThrownBy(() -> custom.longValue("huge")).hasMessage("custom.huge: 99999999999999999999 is out of range for an integer");
    }

    @Test
    void isReadOnly() {
        assertThatThrownBy(() -> custom.asMap().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        List<Object> tags = (List<Object>) custom.asMap().get("tags");
        assertThatThrownBy(() -> tags.add("c")).isInstanceOf(UnsupportedOperationException.class);
    }
}

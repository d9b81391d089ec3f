package io.batchjob.core.execution;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.CustomConfigException;
import io.batchjob.core.config.CustomSettings;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StaticNodeSourceTest {

    private final CustomSettings custom = ConfigLoader.load("name: a\ncustom: {hosts: [h1, h2], bad: [1]}",
            "kind: Pod\nspec: {containers: [{name: a}]}", "test").config().custom();

    @Test
    void listsTheConfiguredNodes() {
        assertThat(StaticNodeSource.fromCustom(custom, "hosts").listNodes()).containsExactly("h1", "h2");
    }

    @Test
    void explainsAWrongCustomValue() {
        assertThatThrownBy(() -> StaticNodeSource.fromCustom(custom, "bad")).isInstanceOf(CustomConfigException.class)
                .hasMessage("custom.bad[0]: expected a string but found number 1");
    }
}

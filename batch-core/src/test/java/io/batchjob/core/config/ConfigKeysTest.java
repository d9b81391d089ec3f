package io.batchjob.core.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ConfigKeys} is complete: every key the loader reads is classified, and the documentation's table lists exactly these keys. */
class ConfigKeysTest {

    @Test
    void everyKeyTheLoaderReadsIsInTheRegistryAndEveryRegisteredKeyIsRead() {
        assertThat(ConfigKeys.topLevelNames()).as("keys the loader reads but the registry does not classify")
                .containsAll(ConfigLoader.keysRead());
        assertThat(ConfigLoader.keysRead()).as("registered keys the loader never reads").containsAll(ConfigKeys.topLevelNames());
    }

    @Test
    void namesAreUniqueAndEveryValueCanBeReadFromALoadedConfig() {
        List<String> names = ConfigKeys.ALL.stream().map(ConfigKeys.Key::name).toList();
        assertThat(names).doesNotHaveDuplicates();
        ControllerConfig c = ConfigLoader.loadConfig("name: keys", "test");
        assertThat(ConfigKeys.ALL).allSatisfy(k -> org.assertj.core.api.Assertions.assertThatCode(() -> k.value().apply(c)).as(k.name())
                .doesNotThrowAnyException());
        assertThat(ConfigKeys.named("metrics.port")).hasValueSatisfying(k -> {
            assertThat(k.topLevel()).isEqualTo("metrics");
            assertThat(k.restartOnly()).isTrue();
        });
        assertThat(ConfigKeys.named("podPoolSize")).hasValueSatisfying(k -> assertThat(k.restartOnly()).isFalse());
    }

    @Test
    void theDocumentationsTableListsExactlyTheRegisteredKeysInTheRegistrysOrderOfImportance() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        Set<String> documented = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-zA-Z.]+)` \\|").matcher(doc);
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(documented).containsExactlyInAnyOrderElementsOf(ConfigKeys.ALL.stream().map(ConfigKeys.Key::name).toList());
    }
}

package io.batchjob.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ConfigKeys} is complete and true: every key the loader reads is classified, a new builder
 * starts at the registered defaults, the documentation's table lists exactly these keys with these
 * defaults, and every key's type refuses a value of the wrong shape naming the key.
 */
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

    @Test
    void aNewBuilderAndAnAlmostEmptyFileStartAtTheRegisteredDefaults() {
        ControllerConfig built = ControllerConfig.builder("keys").build();
        ControllerConfig loaded = ConfigLoader.loadConfig("name: keys", "test");
        for (ConfigKeys.Key<?> k : ConfigKeys.ALL) {
            Object expected = k.name().equals("name") ? "keys" : k.defaultValue();
            assertThat(same(k.value().apply(built), expected)).as("%s of a new builder: %s, registered %s", k.name(),
                    k.value().apply(built), expected).isTrue();
            assertThat(same(k.value().apply(loaded), expected)).as("%s of a loaded file: %s, registered %s", k.name(),
                    k.value().apply(loaded), expected).isTrue();
        }
    }

    @Test
    void theDocumentedDefaultOfEveryKeyIsTheRegisteredOneReadThroughTheKeysOwnType() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        Matcher m = Pattern.compile("(?m)^\\| `([a-zA-Z.]+)` \\| ([^|]+) \\|").matcher(doc);
        Map<String, String> described = new LinkedHashMap<>();
        while (m.find()) {
            String shown = m.group(2).trim();
            ConfigKeys.Key<?> k = ConfigKeys.named(m.group(1)).orElseThrow();
            if (!shown.startsWith("`")) {
                described.put(k.name(), shown);
                continue;
            }
            JsonNode node = YAML.readTree(shown.substring(1, shown.length() - 1));
            List<String> problems = new ArrayList<>();
            Object read = node == null || node.isNull() || node.isMissingNode() ? null : k.type().read(k.name(), node, collect(problems));
            assertThat(problems).as(k.name()).isEmpty();
            Object expected = k.defaultValue();
            if (read == null && expected instanceof Collection<?> c) {
                assertThat(c).as("%s: documented %s (empty)", k.name(), shown).isEmpty();
            } else if (read == null && expected instanceof Map<?, ?> map) {
                assertThat(map).as("%s: documented %s (empty)", k.name(), shown).isEmpty();
            } else if (read == null && expected instanceof CustomSettings custom) {
                assertThat(custom.asMap()).as("%s: documented %s (empty)", k.name(), shown).isEmpty();
            } else {
                assertThat(same(read, expected)).as("%s: documented %s reads as %s, registered %s", k.name(), shown, read, expected).isTrue();
            }
        }
        // Defaults written in words: a required name, the JVM's zone, no timeout.
        assertThat(described).containsOnlyKeys("name", "cronTimeZone", "jobTimeout");
        assertThat(ConfigKeys.named("name").orElseThrow().defaultValue()).isEqualTo("");
        assertThat(ConfigKeys.named("cronTimeZone").orElseThrow().defaultValue()).isEqualTo(ZoneId.systemDefault());
        assertThat(described.get("jobTimeout")).isEqualTo("none");
        assertThat(ConfigKeys.named("jobTimeout").orElseThrow().defaultValue()).isNull();
    }

    @Test
    void everyKeyRefusesAValueOfTheWrongShapeNamingTheKeyAndKeepsItsDefault() {
        for (ConfigKeys.Key<?> k : ConfigKeys.ALL) {
            List<String> problems = new ArrayList<>();
            ControllerConfig.Builder b = ControllerConfig.builder("keys");
            k.read(YAML.createArrayNode().add(YAML.createArrayNode().add(1)), collect(problems), b);
            assertThat(problems).as(k.name()).isNotEmpty().allSatisfy(p -> assertThat(p).contains("'" + k.name()));
            if (!k.name().equals("name")) {
                assertThat(same(k.value().apply(b.build()), k.defaultValue())).as(k.name()).isTrue();
            }
        }
        // Through the loader: the whole file is refused, each key named once.
        for (ConfigKeys.Key<?> k : ConfigKeys.ALL) {
            String yaml = k.name().contains(".")
                    ? "name: keys\n" + k.topLevel() + ":\n  " + k.name().substring(k.topLevel().length() + 1) + ": [[1]]\n"
                    : (k.name().equals("name") ? "" : "name: keys\n") + k.name() + ": [[1]]\n";
            if (k == ConfigKeys.JOB_IMAGE_PULL_SECRETS) {
                // The Go controller ignored this key: a wrong value is a warning, and its alias is refused instead.
                List<String> warnings = new ArrayList<>();
                ConfigLoader.parseConfig(yaml, "test", warnings);
                assertThat(warnings).anySatisfy(w -> assertThat(w).contains("'jobImagePullSecrets[0]'").contains("ignored"));
                yaml = "name: keys\nimagePullSecrets: [[1]]\n";
            }
            String finalYaml = yaml;
            assertThatThrownBy(() -> ConfigLoader.loadConfig(finalYaml, "test")).as(k.name()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("'" + (k.alias() != null ? k.alias() : k.name()));
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static ConfigType.Findings collect(List<String> problems) {
        return new ConfigType.Findings() {
            @Override
            public void problem(String message) {
                problems.add(message);
            }

            @Override
            public void warning(String message) {
            }
        };
    }

    /** Equal, with numbers compared by value (an {@code int} budget against a {@code long} default) and custom settings by content. */
    private static boolean same(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.longValue() == y.longValue();
        }
        if (a instanceof CustomSettings x && b instanceof CustomSettings y) {
            return x.asMap().equals(y.asMap());
        }
        return Objects.equals(a, b);
    }
}

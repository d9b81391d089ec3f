package io.batchjob.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads {@code config.yaml} and {@code pod-template.yaml} (the two keys of the controller's
 * ConfigMap) into a {@link LoadedConfig}. All problems are collected and reported at once in
 * one {@link ConfigException} naming the source, each key, its value and what is allowed.
 * Unknown keys are warnings, never fatal.
 */
public final class ConfigLoader {

    public static final String CONFIG_KEY = "config.yaml";
    public static final String POD_TEMPLATE_KEY = "pod-template.yaml";

    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);

    /** What config.yaml may hold at its top level: {@link ConfigKeys}. */
    private static final Set<String> TOP_LEVEL_KEYS = ConfigKeys.topLevelNames();

    private static final ObjectMapper YAML = new ObjectMapper(
            YAMLFactory.builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private ConfigLoader() {
    }

    /**
     * @param configYaml   the text of {@code config.yaml}
     * @param podTemplate  the text of {@code pod-template.yaml}
     * @param source       where both came from, named in every message, e.g. {@code ConfigMap 'ns/name'}
     * @throws ConfigException listing every problem
     */
    public static LoadedConfig load(String configYaml, String podTemplate, String source) {
        List<String> warnings = new ArrayList<>();
        ControllerConfig config = parseConfig(configYaml, source + " key " + CONFIG_KEY, warnings);
        PodTemplate template = PodTemplate.parse(podTemplate, source + " key " + POD_TEMPLATE_KEY);
        warnings.forEach(w -> LOG.warn("{}: {}", source, w));
        return new LoadedConfig(config, template, warnings);
    }

    /**
     * Reads {@code config.yaml} alone, for embedders whose backend has no pods (and so no pod
     * template); warnings are logged as {@link #load} logs them.
     *
     * @param source where the text came from, named in every message
     * @throws ConfigException listing every problem
     */
    public static ControllerConfig loadConfig(String configYaml, String source) {
        List<String> warnings = new ArrayList<>();
        ControllerConfig config = parseConfig(configYaml, source, warnings);
        warnings.forEach(w -> LOG.warn("{}: {}", source, w));
        return config;
    }

    /** Reads {@code config.yaml} alone; warnings are added to {@code warnings}. */
    public static ControllerConfig parseConfig(String configYaml, String source, List<String> warnings) {
        if (configYaml == null || configYaml.isBlank()) {
            throw new ConfigException(source, List.of("it is empty: at least 'name' must be set"));
        }
        JsonNode root;
        try {
            root = YAML.readTree(configYaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() : "";
            throw new ConfigException(source, List.of("it is not valid YAML" + where + ": " + firstLine(e.getOriginalMessage())
                    + " (values starting with '@', '*', '{' or '[' need quotes, e.g. cronExpression: \"@daily\")"));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(source, List.of("it is empty: at least 'name' must be set"));
        }
        if (!root.isObject()) {
            throw new ConfigException(source, List.of("it must be a YAML mapping of keys to values, found " + ConfigTypes.describe(root)));
        }
        return new Reader(root, warnings).read(source);
    }

    /** The top-level keys the loader reads (for the test that every one of them is in {@link ConfigKeys}). */
    static Set<String> keysRead() {
        Reader reader = new Reader(YAML.createObjectNode().put("name", "keys"), new ArrayList<>());
        reader.read("keys");
        return Set.copyOf(reader.looked);
    }

    /** Walks the tree once, key by key of {@link ConfigKeys}; each key's type reports a problem instead of throwing. */
    private static final class Reader implements ConfigType.Findings {
        private final JsonNode root;
        private final List<String> warnings;
        private final List<String> problems = new ArrayList<>();
        /** Every top-level key this reader looked for (a key it reads must be in {@link ConfigKeys}). */
        private final Set<String> looked = new TreeSet<>();
        /** Sections ({@code metrics}) by name, each checked once; a missing node when absent or not a map. */
        private final Map<String, JsonNode> sections = new HashMap<>();

        Reader(JsonNode root, List<String> warnings) {
            this.root = root;
            this.warnings = warnings;
        }

        @Override
        public void problem(String message) {
            problems.add(message);
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }

        private JsonNode get(String key) {
            looked.add(key);
            return root.get(key);
        }

        ControllerConfig read(String source) {
            ConfigTypes.warnUnknown(root, TOP_LEVEL_KEYS, "", this);
            ControllerConfig.Builder b = ControllerConfig.builder("");
            for (ConfigKeys.Key<?> key : ConfigKeys.ALL) {
                if (key == ConfigKeys.JOB_IMAGE_PULL_SECRETS) {
                    pullSecrets(b);
                    continue;
                }
                JsonNode node = nodeOf(key.name());
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    key.read(node, this, b);
                }
            }
            // Range checks only make sense on values that had the right type.
            List<String> ranges = b.problems().stream()
                    .filter(p -> problems.stream().noneMatch(q -> sameKey(p, q)))
                    .toList();
            problems.addAll(ranges);
            if (!problems.isEmpty()) {
                throw new ConfigException(source, problems);
            }
            return b.build(source);
        }

        /** A top-level key's node, or a nested key's ({@code metrics.port}) inside its section. */
        private JsonNode nodeOf(String name) {
            int dot = name.indexOf('.');
            if (dot < 0) {
                return get(name);
            }
            return sections.computeIfAbsent(name.substring(0, dot), this::section).path(name.substring(dot + 1));
        }

        private JsonNode section(String name) {
            JsonNode node = get(name);
            if (ConfigTypes.isEmpty(node)) {
                return MissingNode.getInstance();
            }
            List<String> keys = ConfigKeys.namesUnder(name);
            if (!node.isObject()) {
                problems.add("key '" + name + "': expected a map with " + String.join(", ", keys.subList(0, keys.size() - 1))
                        + " and " + keys.get(keys.size() - 1) + ", found " + ConfigTypes.describe(node));
                return MissingNode.getInstance();
            }
            ConfigTypes.warnUnknown(node, Set.copyOf(keys), name + ".", this);
            return node;
        }

        private static boolean sameKey(String a, String b) {
            return keyOf(a) != null && keyOf(a).equals(keyOf(b));
        }

        private static String keyOf(String problem) {
            int start = problem.indexOf('\'');
            int end = start < 0 ? -1 : problem.indexOf('\'', start + 1);
            return end < 0 ? null : problem.substring(start + 1, end);
        }

        /**
         * {@code imagePullSecrets} is the Go controller's key; {@code jobImagePullSecrets} is what its
         * chart writes (often as {@code {}}) and what the Go controller ignored. Both are read, the
         * names joined; an empty value ({@code {}}, {@code []}, null, "") means none; a
         * {@code jobImagePullSecrets} the Go controller would have ignored is a warning, never fatal.
         */
        private void pullSecrets(ControllerConfig.Builder b) {
            ConfigKeys.Key<List<String>> key = ConfigKeys.JOB_IMAGE_PULL_SECRETS;
            JsonNode goKey = get(key.alias());
            JsonNode chartKey = get(key.name());
            List<String> names = new ArrayList<>();
            if (!ConfigTypes.isEmpty(goKey)) {
                List<String> found = key.type().read(key.alias(), goKey, this);
                if (found != null) {
                    names.addAll(found);
                }
            }
            if (!ConfigTypes.isEmpty(chartKey)) {
                ConfigType.Findings ignoredByGo = new ConfigType.Findings() {
                    @Override
                    public void problem(String message) {
                        warnings.add(message + "; the Go controller ignored this key, so it is ignored");
                    }

                    @Override
                    public void warning(String message) {
                        warnings.add(message);
                    }
                };
                List<String> found = key.type().read(key.name(), chartKey, ignoredByGo);
                if (found != null) {
                    found.stream().filter(n -> !names.contains(n)).forEach(names::add);
                }
            }
            if (!ConfigTypes.isEmpty(goKey) && !ConfigTypes.isEmpty(chartKey)) {
                warnings.add("keys 'jobImagePullSecrets' and 'imagePullSecrets' are both set: both lists are used");
            }
            key.set().accept(b, names);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

package io.batchjob.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

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
    private static final Set<String> METRICS_KEYS = Set.of("prefix", "gauges", "port");
    private static final Set<String> GAUGE_KEYS = Set.of("help", "labels");
    private static final Set<String> DEPRECATED_LOCKS = Set.of("configmaps", "endpoints", "configmapsleases", "endpointsleases");

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
            throw new ConfigException(source, List.of("it must be a YAML mapping of keys to values, found " + describe(root)));
        }
        return new Reader(root, warnings).read(source);
    }

    /** The top-level keys the loader reads (for the test that every one of them is in {@link ConfigKeys}). */
    static Set<String> keysRead() {
        Reader reader = new Reader(YAML.createObjectNode().put("name", "keys"), new ArrayList<>());
        reader.read("keys");
        return Set.copyOf(reader.looked);
    }

    /** Walks the tree once; each accessor records a problem instead of throwing. */
    private static final class Reader {
        private final JsonNode root;
        private final List<String> warnings;
        private final List<String> problems = new ArrayList<>();
        /** Every top-level key this reader looked for (a key it reads must be in {@link ConfigKeys}). */
        private final Set<String> looked = new java.util.TreeSet<>();

        Reader(JsonNode root, List<String> warnings) {
            this.root = root;
            this.warnings = warnings;
        }

        private JsonNode get(String key) {
            looked.add(key);
            return root.get(key);
        }

        ControllerConfig read(String source) {
            warnUnknown(root, TOP_LEVEL_KEYS, "");
            ControllerConfig.Builder b = ControllerConfig.builder("");
            string("name", b::name);
            string("jobServiceAccount", b::jobServiceAccount);
            pullSecrets(b);
            stringMap("jobNodeSelector", b::jobNodeSelector);
            bool("runOnUnscheduledNodes", b::runOnUnscheduledNodes);
            string("cronExpression", b::cronExpression);
            zone(b);
            string("reportDirectory", v -> {
                try {
                    b.reportDirectory(v.isEmpty() ? null : Path.of(v));
                } catch (InvalidPathException e) {
                    problems.add("key 'reportDirectory': value " + ControllerConfig.quote(v) + " is not a valid path: " + e.getReason());
                }
            });
            integer("reportHistory", b::reportHistory);
            integer("podPoolSize", b::podPoolSize);
            bool("runOnStartup", b::runOnStartup);
            bool("suspend", b::suspend);
            duration("startupDelay", b::startupDelay);
            string("callbackServiceName", b::callbackServiceName);
            integer("callbackServicePort", b::callbackServicePort);
            custom(b);
            bool("latestMetricsLabel", b::latestMetricsLabel);
            string("leaderElectionResourceLock", v -> {
                if (DEPRECATED_LOCKS.contains(v)) {
                    warnings.add("key 'leaderElectionResourceLock': '" + v + "' is deprecated in Kubernetes; this controller always uses a Lease");
                } else if (!ControllerConfig.KNOWN_RESOURCE_LOCKS.contains(v)) {
                    warnings.add("key 'leaderElectionResourceLock': '" + v + "' is not a known lock type and is ignored; this controller always uses a Lease");
                }
                b.leaderElectionResourceLock(v);
            });
            bool("savePodLog", b::savePodLog);
            metrics(b);
            integer("healthProbePort", b::healthProbePort);
            integer("reportServerPort", b::reportServerPort);
            duration("jobTimeout", b::jobTimeout);
            size("maxUploadSize", b::maxUploadSize);
            size("maxResultSize", b::maxResultSize);
            integer("maxSeriesPerResult", b::maxSeriesPerResult);
            integer("maxFilesPerJob", b::maxFilesPerJob);
            size("maxBytesPerJob", b::maxBytesPerJob);
            integer("maxSeriesInMemory", b::maxSeriesInMemory);
            duration("callbackRelayWait", b::callbackRelayWait);
            integer("jobRetries", b::jobRetries);
            duration("jobRetryDelay", b::jobRetryDelay);
            string("callbackAuth", v -> {
                switch (v) {
                    case "token" -> b.callbackAuth(CallbackAuth.TOKEN);
                    case "none" -> b.callbackAuth(CallbackAuth.NONE);
                    default -> problems.add("key 'callbackAuth': value " + ControllerConfig.quote(v) + " is invalid: use 'token' (default) or 'none'");
                }
            });
            string("concurrencyPolicy", v -> ConcurrencyPolicy.parse(v).ifPresentOrElse(b::concurrencyPolicy,
                    () -> problems.add("key 'concurrencyPolicy': value " + ControllerConfig.quote(v) + " is invalid: use 'Replace' (default:"
                            + " a trigger ends the running execution, as the Go controller) or 'Forbid' (a trigger while one runs is skipped)")));
            fileMode(b);
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
            List<String> names = new ArrayList<>();
            for (String key : List.of("imagePullSecrets", "jobImagePullSecrets")) {
                JsonNode node = get(key);
                if (isEmpty(node)) {
                    continue;
                }
                List<String> found = new ArrayList<>();
                List<String> wrong = new ArrayList<>();
                if (!node.isArray()) {
                    wrong.add("key '" + key + "': expected a list like [{name: my-secret}], found " + describe(node));
                } else {
                    for (int i = 0; i < node.size(); i++) {
                        JsonNode item = node.get(i);
                        if (item.isObject() && item.path("name").isTextual()) {
                            found.add(item.get("name").asText());
                        } else if (item.isTextual()) {
                            found.add(item.asText());
                        } else {
                            wrong.add("key '" + key + "[" + i + "]': expected {name: <secret name>}, found " + describe(item));
                        }
                    }
                }
                if (wrong.isEmpty()) {
                    found.stream().filter(n -> !names.contains(n)).forEach(names::add);
                } else if (key.equals("jobImagePullSecrets")) {
                    wrong.forEach(w -> warnings.add(w + "; the Go controller ignored this key, so it is ignored"));
                } else {
                    problems.addAll(wrong);
                }
            }
            if (!isEmpty(get("imagePullSecrets")) && !isEmpty(get("jobImagePullSecrets"))) {
                warnings.add("keys 'jobImagePullSecrets' and 'imagePullSecrets' are both set: both lists are used");
            }
            b.jobImagePullSecrets(names);
        }

        /** Absent, null, an empty string, an empty list or an empty map: nothing (as the Go controller's YAML reader saw it). */
        private static boolean isEmpty(JsonNode node) {
            return node == null || node.isNull() || node.isMissingNode() || (node.isTextual() && node.asText().isEmpty())
                    || ((node.isArray() || node.isObject()) && node.isEmpty());
        }

        private void zone(ControllerConfig.Builder b) {
            string("cronTimeZone", v -> {
                if (v.isEmpty()) {
                    return;
                }
                try {
                    b.cronTimeZone(ZoneId.of(v));
                } catch (DateTimeException e) {
                    problems.add("key 'cronTimeZone': value " + ControllerConfig.quote(v) + " is not a time zone: use an IANA name such as 'UTC' or 'Europe/Zurich'");
                }
            });
        }

        private void custom(ControllerConfig.Builder b) {
            JsonNode node = get("custom");
            if (isEmpty(node)) {
                return;
            }
            if (!node.isObject()) {
                problems.add("key 'custom': expected a map, found " + describe(node));
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = YAML.convertValue(node, Map.class);
            b.custom(CustomSettings.of(map));
        }

        private void metrics(ControllerConfig.Builder b) {
            JsonNode node = get("metrics");
            if (isEmpty(node)) {
                return;
            }
            if (!node.isObject()) {
                problems.add("key 'metrics': expected a map with prefix, gauges and port, found " + describe(node));
                return;
            }
            warnUnknown(node, METRICS_KEYS, "metrics.");
            String prefix = MetricsConfig.DEFAULT_PREFIX;
            JsonNode p = node.get("prefix");
            if (p != null && !p.isNull()) {
                if (p.isTextual()) {
                    prefix = p.asText();
                } else {
                    problems.add("key 'metrics.prefix': expected a string, found " + describe(p));
                }
            }
            int port = MetricsConfig.DEFAULT_PORT;
            JsonNode portNode = node.get("port");
            if (portNode != null && !portNode.isNull()) {
                Integer v = toInt("metrics.port", portNode);
                if (v != null) {
                    port = v;
                }
            }
            Map<String, GaugeConfig> gauges = new LinkedHashMap<>();
            JsonNode g = node.get("gauges");
            if (!isEmpty(g)) {
                if (!g.isObject()) {
                    problems.add("key 'metrics.gauges': expected a map of suffix to {help, labels}, found " + describe(g));
                } else {
                    for (Iterator<Map.Entry<String, JsonNode>> it = g.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        GaugeConfig gauge = gauge("metrics.gauges." + e.getKey(), e.getValue());
                        if (gauge != null) {
                            gauges.put(e.getKey(), gauge);
                        }
                    }
                }
            }
            b.metrics(new MetricsConfig(prefix, gauges, port));
        }

        private GaugeConfig gauge(String key, JsonNode node) {
            if (node.isNull()) {
                return new GaugeConfig("", List.of());
            }
            if (!node.isObject()) {
                problems.add("key '" + key + "': expected a map with help and labels, found " + describe(node));
                return null;
            }
            warnUnknown(node, GAUGE_KEYS, key + ".");
            String help = "";
            JsonNode h = node.get("help");
            if (h != null && !h.isNull()) {
                if (h.isTextual()) {
                    help = h.asText();
                } else {
                    problems.add("key '" + key + ".help': expected a string, found " + describe(h));
                }
            }
            List<String> labels = new ArrayList<>();
            JsonNode l = node.get("labels");
            if (!isEmpty(l)) {
                if (!l.isArray()) {
                    problems.add("key '" + key + ".labels': expected a list of label names, found " + describe(l));
                } else {
                    for (int i = 0; i < l.size(); i++) {
                        if (l.get(i).isTextual() && MetricNames.RESERVED_LABELS.contains(l.get(i).asText())) {
                            // The controller sets these itself; the Go controller registered a gauge with the label twice
                            // and failed at start. Dropping the configured one keeps such a config starting.
                            warnings.add("key '" + key + ".labels': label '" + l.get(i).asText() + "' is set by the controller itself"
                                    + " (the job's node and execution ID); the configured label is ignored");
                        } else if (l.get(i).isTextual()) {
                            labels.add(l.get(i).asText());
                        } else {
                            problems.add("key '" + key + ".labels[" + i + "]': expected a label name, found " + describe(l.get(i)));
                        }
                    }
                }
            }
            return new GaugeConfig(help, labels);
        }

        private void string(String key, Consumer<String> set) {
            JsonNode node = get(key);
            if (node == null || node.isNull()) {
                return;
            }
            if (!node.isTextual()) {
                problems.add("key '" + key + "': expected a string, found " + describe(node));
                return;
            }
            set.accept(node.asText());
        }

        private void bool(String key, Consumer<Boolean> set) {
            JsonNode node = get(key);
            if (node == null || node.isNull()) {
                return;
            }
            if (!node.isBoolean()) {
                problems.add("key '" + key + "': expected true or false, found " + describe(node));
                return;
            }
            set.accept(node.booleanValue());
        }

        private void integer(String key, Consumer<Integer> set) {
            JsonNode node = get(key);
            if (node == null || node.isNull()) {
                return;
            }
            Integer v = toInt(key, node);
            if (v != null) {
                set.accept(v);
            }
        }

        private Integer toInt(String key, JsonNode node) {
            if (!node.isIntegralNumber()) {
                problems.add("key '" + key + "': expected a whole number, found " + describe(node));
                return null;
            }
            if (!node.canConvertToInt()) {
                problems.add("key '" + key + "': value " + node.asText() + " is out of range");
                return null;
            }
            return node.intValue();
        }

        private void duration(String key, Consumer<Duration> set) {
            JsonNode node = get(key);
            if (node == null || node.isNull()) {
                return;
            }
            try {
                if (node.isIntegralNumber()) {
                    // The Go controller read a YAML number into time.Duration: nanoseconds.
                    if (!node.canConvertToLong() || node.longValue() < 0) {
                        problems.add("key '" + key + "': value " + node.asText() + " is invalid: a bare number means nanoseconds and must be 0 or more; prefer e.g. 10s");
                        return;
                    }
                    set.accept(Duration.ofNanos(node.longValue()));
                } else if (node.isTextual()) {
                    set.accept(GoDuration.parse(node.asText()));
                } else {
                    problems.add("key '" + key + "': expected a duration such as 10s or 1m30s, found " + describe(node));
                }
            } catch (IllegalArgumentException e) {
                problems.add("key '" + key + "': value " + ControllerConfig.quote(node.asText()) + " is invalid: " + e.getMessage());
            }
        }

        private void size(String key, Consumer<Long> set) {
            JsonNode node = get(key);
            if (node == null || node.isNull()) {
                return;
            }
            if (node.isIntegralNumber()) {
                if (!node.canConvertToLong() || node.longValue() < 1) {
                    problems.add("key '" + key + "': value " + node.asText() + " is invalid: must be a size of at least 1 byte, e.g. 100Mi");
                    return;
                }
                set.accept(node.longValue());
            } else if (node.isTextual()) {
                try {
                    set.accept(ByteSize.parse(node.asText()));
                } catch (IllegalArgumentException e) {
                    problems.add("key '" + key + "': value " + ControllerConfig.quote(node.asText()) + " is invalid: " + e.getMessage());
                }
            } else {
                problems.add("key '" + key + "': expected a size such as 100Mi, found " + describe(node));
            }
        }

        /** {@code reportFileMode}: octal text ("0640") or a YAML number (unquoted 0640 is octal in YAML 1.1). */
        private void fileMode(ControllerConfig.Builder b) {
            JsonNode node = get("reportFileMode");
            if (node == null || node.isNull()) {
                return;
            }
            try {
                if (node.isIntegralNumber()) {
                    if (!node.canConvertToLong()) {
                        problems.add("key 'reportFileMode': value " + node.asText() + " is not a file mode: write it in octal, e.g. '0600'");
                        return;
                    }
                    b.reportFileMode(ReportFileMode.ofNumber(node.longValue()));
                } else if (node.isTextual()) {
                    b.reportFileMode(ReportFileMode.parse(node.asText()));
                } else {
                    problems.add("key 'reportFileMode': expected an octal file mode such as '0600', found " + describe(node));
                }
            } catch (IllegalArgumentException e) {
                problems.add("key 'reportFileMode': " + e.getMessage());
            }
        }

        private void stringMap(String key, Consumer<Map<String, String>> set) {
            JsonNode node = get(key);
            if (isEmpty(node)) {
                return;
            }
            if (!node.isObject()) {
                problems.add("key '" + key + "': expected a map of label to value, found " + describe(node));
                return;
            }
            Map<String, String> map = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                // YAML turns unquoted true/123 into non-strings; Kubernetes label values are strings.
                if (v.isTextual() || v.isNumber() || v.isBoolean()) {
                    map.put(e.getKey(), v.asText());
                } else {
                    problems.add("key '" + key + "." + e.getKey() + "': expected a string, found " + describe(v));
                }
            }
            set.accept(map);
        }

        private void warnUnknown(JsonNode node, Set<String> known, String prefix) {
            node.fieldNames().forEachRemaining(f -> {
                if (!known.contains(f)) {
                    warnings.add("unknown key '" + prefix + f + "' is ignored");
                }
            });
        }
    }

    static String describe(JsonNode node) {
        JsonNodeType type = node.getNodeType();
        return switch (type) {
            case STRING -> "string " + ControllerConfig.quote(node.asText());
            case NUMBER -> "number " + node.asText();
            case BOOLEAN -> "boolean " + node.asText();
            case ARRAY -> "a list";
            case OBJECT -> "a map";
            case NULL, MISSING -> "nothing";
            default -> type.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

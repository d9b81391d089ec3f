package io.batchjob.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@link ConfigType}s of {@link ConfigKeys}: how each kind of value is read from YAML, with the
 * Go controller's leniencies (a bare number as a duration is nanoseconds, unquoted label values are
 * strings) and one message per problem naming the key, what was found and what is allowed.
 */
final class ConfigTypes {

    private static final Set<String> GAUGE_KEYS = Set.of("help", "labels");
    private static final Set<String> DEPRECATED_LOCKS = Set.of("configmaps", "endpoints", "configmapsleases", "endpointsleases");
    private static final ObjectMapper JSON = new ObjectMapper();

    static final ConfigType<String> STRING = (key, node, findings) -> {
        if (!node.isTextual()) {
            findings.problem("key '" + key + "': expected a string, found " + describe(node));
            return null;
        }
        return node.asText();
    };

    static final ConfigType<Boolean> BOOLEAN = (key, node, findings) -> {
        if (!node.isBoolean()) {
            findings.problem("key '" + key + "': expected true or false, found " + describe(node));
            return null;
        }
        return node.booleanValue();
    };

    static final ConfigType<Integer> INTEGER = (key, node, findings) -> {
        if (!node.isIntegralNumber()) {
            findings.problem("key '" + key + "': expected a whole number, found " + describe(node));
            return null;
        }
        if (!node.canConvertToInt()) {
            findings.problem("key '" + key + "': value " + node.asText() + " is out of range");
            return null;
        }
        return node.intValue();
    };

    /** Go's duration text ({@code 1m30s}), or a bare number of nanoseconds as Go's YAML reader took it. */
    static final ConfigType<Duration> DURATION = (key, node, findings) -> {
        try {
            if (node.isIntegralNumber()) {
                if (!node.canConvertToLong() || node.longValue() < 0) {
                    findings.problem("key '" + key + "': value " + node.asText()
                            + " is invalid: a bare number means nanoseconds and must be 0 or more; prefer e.g. 10s");
                    return null;
                }
                return Duration.ofNanos(node.longValue());
            }
            if (node.isTextual()) {
                return GoDuration.parse(node.asText());
            }
            findings.problem("key '" + key + "': expected a duration such as 10s or 1m30s, found " + describe(node));
        } catch (IllegalArgumentException e) {
            findings.problem("key '" + key + "': value " + ControllerConfig.quote(node.asText()) + " is invalid: " + e.getMessage());
        }
        return null;
    };

    /** Bytes, or Kubernetes quantity text ({@code 100Mi}). */
    static final ConfigType<Long> SIZE = (key, node, findings) -> {
        if (node.isIntegralNumber()) {
            if (!node.canConvertToLong() || node.longValue() < 1) {
                findings.problem("key '" + key + "': value " + node.asText() + " is invalid: must be a size of at least 1 byte, e.g. 100Mi");
                return null;
            }
            return node.longValue();
        }
        if (node.isTextual()) {
            try {
                return ByteSize.parse(node.asText());
            } catch (IllegalArgumentException e) {
                findings.problem("key '" + key + "': value " + ControllerConfig.quote(node.asText()) + " is invalid: " + e.getMessage());
                return null;
            }
        }
        findings.problem("key '" + key + "': expected a size such as 100Mi, found " + describe(node));
        return null;
    };

    /** Octal text ("0640") or a YAML number (unquoted 0640 is octal in YAML 1.1). */
    static final ConfigType<ReportFileMode> FILE_MODE = (key, node, findings) -> {
        try {
            if (node.isIntegralNumber()) {
                if (!node.canConvertToLong()) {
                    findings.problem("key '" + key + "': value " + node.asText() + " is not a file mode: write it in octal, e.g. '0600'");
                    return null;
                }
                return ReportFileMode.ofNumber(node.longValue());
            }
            if (node.isTextual()) {
                return ReportFileMode.parse(node.asText());
            }
            findings.problem("key '" + key + "': expected an octal file mode such as '0600', found " + describe(node));
        } catch (IllegalArgumentException e) {
            findings.problem("key '" + key + "': " + e.getMessage());
        }
        return null;
    };

    /** An IANA zone name; "" keeps the default. */
    static final ConfigType<ZoneId> ZONE = fromText((key, v, findings) -> {
        if (v.isEmpty()) {
            return null;
        }
        try {
            return ZoneId.of(v);
        } catch (DateTimeException e) {
            findings.problem("key '" + key + "': value " + ControllerConfig.quote(v) + " is not a time zone: use an IANA name such as 'UTC' or 'Europe/Zurich'");
            return null;
        }
    });

    /** A path; "" is an empty path, which {@link ControllerConfig} refuses as missing. */
    static final ConfigType<Path> PATH = fromText((key, v, findings) -> {
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            findings.problem("key '" + key + "': value " + ControllerConfig.quote(v) + " is not a valid path: " + e.getReason());
            return null;
        }
    });

    /** Label to value; YAML turns unquoted true/123 into non-strings, and Kubernetes label values are strings. */
    static final ConfigType<Map<String, String>> LABELS = (key, node, findings) -> {
        if (isEmpty(node)) {
            return null;
        }
        if (!node.isObject()) {
            findings.problem("key '" + key + "': expected a map of label to value, found " + describe(node));
            return null;
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isTextual() || v.isNumber() || v.isBoolean()) {
                map.put(e.getKey(), v.asText());
            } else {
                findings.problem("key '" + key + "." + e.getKey() + "': expected a string, found " + describe(v));
            }
        }
        return map;
    };

    /**
     * Pull secrets as {@code [{name: s}]} (or bare names); all or nothing, so a list with a wrong
     * entry is not half used.
     */
    static final ConfigType<List<String>> PULL_SECRETS = (key, node, findings) -> {
        if (isEmpty(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            findings.problem("key '" + key + "': expected a list like [{name: my-secret}], found " + describe(node));
            return null;
        }
        List<String> found = new ArrayList<>();
        boolean wrong = false;
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (item.isObject() && item.path("name").isTextual()) {
                found.add(item.get("name").asText());
            } else if (item.isTextual()) {
                found.add(item.asText());
            } else {
                findings.problem("key '" + key + "[" + i + "]': expected {name: <secret name>}, found " + describe(item));
                wrong = true;
            }
        }
        return wrong ? null : found;
    };

    /** Any map, for embedders to read with {@link CustomSettings}' typed accessors. */
    static final ConfigType<CustomSettings> CUSTOM = (key, node, findings) -> {
        if (isEmpty(node)) {
            return null;
        }
        if (!node.isObject()) {
            findings.problem("key '" + key + "': expected a map, found " + describe(node));
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = JSON.convertValue(node, Map.class);
        return CustomSettings.of(map);
    };

    /** The Go controller's lock types are accepted and warned about: a Lease is always used. */
    static final ConfigType<String> RESOURCE_LOCK = fromText((key, v, findings) -> {
        if (DEPRECATED_LOCKS.contains(v)) {
            findings.warning("key '" + key + "': '" + v + "' is deprecated in Kubernetes; this controller always uses a Lease");
        } else if (!ControllerConfig.KNOWN_RESOURCE_LOCKS.contains(v)) {
            findings.warning("key '" + key + "': '" + v + "' is not a known lock type and is ignored; this controller always uses a Lease");
        }
        return v;
    });

    static final ConfigType<CallbackAuth> CALLBACK_AUTH = fromText((key, v, findings) -> switch (v) {
            case "token" -> CallbackAuth.TOKEN;
            case "none" -> CallbackAuth.NONE;
            default -> {
                findings.problem("key '" + key + "': value " + ControllerConfig.quote(v) + " is invalid: use 'token' (default) or 'none'");
                yield null;
            }
        });

    static final ConfigType<ConcurrencyPolicy> CONCURRENCY_POLICY = fromText((key, v, findings) ->
            ConcurrencyPolicy.parse(v).orElseGet(() -> {
            findings.problem("key '" + key + "': value " + ControllerConfig.quote(v) + " is invalid: use 'Replace' (default:"
                    + " a trigger ends the running execution, as the Go controller) or 'Forbid' (a trigger while one runs is skipped)");
                return null;
            }));

    /** {@code {suffix: {help, labels: [...]}}}; a label the controller sets itself is dropped with a warning. */
    static final ConfigType<Map<String, GaugeConfig>> GAUGES = (key, node, findings) -> {
        if (isEmpty(node)) {
            return null;
        }
        if (!node.isObject()) {
            findings.problem("key '" + key + "': expected a map of suffix to {help, labels}, found " + describe(node));
            return null;
        }
        Map<String, GaugeConfig> gauges = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            GaugeConfig gauge = gauge(key + "." + e.getKey(), e.getValue(), findings);
            if (gauge != null) {
                gauges.put(e.getKey(), gauge);
            }
        }
        return gauges;
    };

    private ConfigTypes() {
    }

    /** What a type read from a string does with the text (a non-string value is already a problem). */
    @FunctionalInterface
    private interface FromText<T> {
        T read(String key, String text, ConfigType.Findings findings);
    }

    private static <T> ConfigType<T> fromText(FromText<T> convert) {
        return (key, node, findings) -> {
            String text = STRING.read(key, node, findings);
            return text == null ? null : convert.read(key, text, findings);
        };
    }

    private static GaugeConfig gauge(String key, JsonNode node, ConfigType.Findings findings) {
        if (node.isNull()) {
            return new GaugeConfig("", List.of());
        }
        if (!node.isObject()) {
            findings.problem("key '" + key + "': expected a map with help and labels, found " + describe(node));
            return null;
        }
        warnUnknown(node, GAUGE_KEYS, key + ".", findings);
        String help = "";
        JsonNode h = node.get("help");
        if (h != null && !h.isNull()) {
            String v = STRING.read(key + ".help", h, findings);
            help = v == null ? help : v;
        }
        List<String> labels = new ArrayList<>();
        JsonNode l = node.get("labels");
        if (!isEmpty(l)) {
            if (!l.isArray()) {
                findings.problem("key '" + key + ".labels': expected a list of label names, found " + describe(l));
            } else {
                for (int i = 0; i < l.size(); i++) {
                    if (l.get(i).isTextual() && MetricNames.RESERVED_LABELS.contains(l.get(i).asText())) {
                        // The controller sets these itself; the Go controller registered a gauge with the label twice
                        // and failed at start. Dropping the configured one keeps such a config starting.
                        findings.warning("key '" + key + ".labels': label '" + l.get(i).asText() + "' is set by the controller itself"
                                + " (the job's node and execution ID); the configured label is ignored");
                    } else if (l.get(i).isTextual()) {
                        labels.add(l.get(i).asText());
                    } else {
                        findings.problem("key '" + key + ".labels[" + i + "]': expected a label name, found " + describe(l.get(i)));
                    }
                }
            }
        }
        return new GaugeConfig(help, labels);
    }

    static void warnUnknown(JsonNode node, Set<String> known, String prefix, ConfigType.Findings findings) {
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                findings.warning("unknown key '" + prefix + f + "' is ignored");
            }
        });
    }

    /** Absent, null, an empty string, an empty list or an empty map: nothing (as the Go controller's YAML reader saw it). */
    static boolean isEmpty(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() || (node.isTextual() && node.asText().isEmpty())
                || ((node.isArray() || node.isObject()) && node.isEmpty());
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
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }
}

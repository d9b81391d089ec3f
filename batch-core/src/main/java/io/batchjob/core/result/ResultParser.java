package io.batchjob.core.result;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a result body as the Go controller read it ({@code json.Decoder.Decode} into
 * {@code map[string][]struct{Value float64; Labels map[string]string}}): any non-empty object of
 * metric key (any string) to a list of {@code {value, labels}}. What Go accepted silently is
 * accepted here with a warning: a missing or null {@code value} (0), a null list or entry, a null
 * label value (""), duplicate keys (the last wins), field names in another case ({@code Value}),
 * text after the JSON value (ignored). What Go refused is refused with a precise message: invalid
 * JSON, a non-object or empty body, non-numeric or non-finite values, non-string label values.
 * Thread-safe.
 */
public final class ResultParser {

    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(16)
            .maxNumberLength(64)
            .maxStringLength(64 * 1024)
            .build();
    private static final ObjectMapper STRICT = mapper(true);
    /** Go's decoder keeps the last of duplicate keys. */
    private static final ObjectMapper LAST_WINS = mapper(false);

    private static ObjectMapper mapper(boolean strictDuplicates) {
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(LIMITS)
                .configure(StreamReadFeature.STRICT_DUPLICATE_DETECTION, strictDuplicates).build();
        return JsonMapper.builder(factory).enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    }

    private ResultParser() {
    }

    /** As {@link #parse(byte[], String, List)}, dropping the warnings. */
    public static JobResult parse(byte[] body, String metricPrefix) {
        return parse(body, metricPrefix, new ArrayList<>());
    }

    /**
     * @param body the raw JSON bytes
     * @param metricPrefix the configured prefix (kept for callers; any key is accepted, as in Go)
     * @param warnings receives one line per thing the Go controller accepted silently
     * @throws InvalidResultException saying what is wrong and where
     */
    public static JobResult parse(byte[] body, String metricPrefix, List<String> warnings) {
        if (body == null || body.length == 0 || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            throw new InvalidResultException("the body is empty: send a JSON object such as {\"my_metric\":[{\"value\":1.0,\"labels\":{\"label_a\":\"AAA\"}}]}");
        }
        JsonNode root;
        try {
            root = read(STRICT, body, warnings);
        } catch (DuplicateKey e) {
            warnings.add("duplicate key " + e.getMessage() + ": the last value is used (as the Go controller did)");
            root = read(LAST_WINS, body, warnings);
        }
        if (!root.isObject()) {
            throw new InvalidResultException("the body must be a JSON object of metric name to a list of values, found " + kind(root));
        }
        if (root.isEmpty()) {
            throw new InvalidResultException("the result must contain at least one metric");
        }
        Map<String, List<MetricValue>> metrics = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode list = e.getValue();
            String where = "'" + printable(name) + "'";
            if (list.isNull()) {
                warnings.add(where + " is null: no values (as the Go controller read it)");
                metrics.put(name, List.of());
                continue;
            }
            if (!list.isArray()) {
                throw new InvalidResultException(where + ": expected a list of {\"value\": <number>, \"labels\": {...}}, found " + kind(list));
            }
            List<MetricValue> values = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                values.add(value(where + "[" + i + "]", list.get(i), warnings));
            }
            metrics.put(name, values);
        }
        return new JobResult(metrics);
    }

    /** Thrown inside {@link #read} when the strict reader meets a duplicate key. */
    private static final class DuplicateKey extends RuntimeException {
        DuplicateKey(String key) {
            super(key, null, false, false);
        }
    }

    /** The first JSON value of the body; anything after it is ignored, as Go's decoder does. */
    private static JsonNode read(ObjectMapper mapper, byte[] body, List<String> warnings) {
        try (JsonParser p = mapper.createParser(body)) {
            JsonNode root = mapper.readTree(p);
            if (root == null || root.isMissingNode()) {
                throw new InvalidResultException("the body is empty: send a JSON object of metric name to a list of values");
            }
            if (p.getCurrentLocation().getByteOffset() < body.length
                    && !new String(body, (int) p.getCurrentLocation().getByteOffset(),
                    body.length - (int) p.getCurrentLocation().getByteOffset(), java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
                warnings.add("the text after the JSON value is ignored (as the Go controller did)");
            }
            return root;
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
            if (mapper == STRICT && message.startsWith("Duplicate field '")) {
                throw new DuplicateKey(message.substring("Duplicate field ".length()));
            }
            String where = e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() : "";
            throw new InvalidResultException("the body is not valid JSON" + where + ": " + firstLine(message));
        } catch (IOException e) {
            throw new InvalidResultException("the body could not be read: " + e.getMessage());
        }
    }

    /** A field as Go's decoder finds it: the exact name first, else one that differs only in case. */
    private static JsonNode field(JsonNode object, String name, String where, List<String> warnings) {
        JsonNode exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equalsIgnoreCase(name)) {
                warnings.add(where + ": field '" + printable(f) + "' is read as '" + name + "' (as the Go controller did)");
                return object.get(f);
            }
        }
        return null;
    }

    private static MetricValue value(String where, JsonNode node, List<String> warnings) {
        if (node.isNull()) {
            warnings.add(where + " is null: value 0 without labels (as the Go controller read it)");
            return new MetricValue(0, Map.of());
        }
        if (!node.isObject()) {
            throw new InvalidResultException(where + ": expected {\"value\": <number>, \"labels\": {...}}, found " + kind(node));
        }
        JsonNode v = field(node, "value", where, warnings);
        double d;
        if (v == null || v.isNull()) {
            warnings.add(where + ".value is " + (v == null ? "missing" : "null") + ": 0 is used (as the Go controller did)");
            d = 0;
        } else if (!v.isNumber()) {
            throw new InvalidResultException(where + ".value: expected a number, found " + kind(v));
        } else {
            d = v.doubleValue();
            if (!Double.isFinite(d)) {
                throw new InvalidResultException(where + ".value: " + v.asText() + " is too large for a metric value");
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode l = field(node, "labels", where, warnings);
        if (l != null && !l.isNull()) {
            if (!l.isObject()) {
                throw new InvalidResultException(where + ".labels: expected an object of label name to string, found " + kind(l));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isNull()) {
                    warnings.add(where + ".labels." + printable(e.getKey()) + " is null: \"\" is used (as the Go controller did)");
                    labels.put(e.getKey(), "");
                } else if (!e.getValue().isTextual()) {
                    throw new InvalidResultException(where + ".labels." + printable(e.getKey()) + ": expected a string, found " + kind(e.getValue()));
                } else {
                    labels.put(e.getKey(), e.getValue().asText());
                }
            }
        }
        return new MetricValue(d, labels);
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Names go back to the client in messages: keep them short and free of control characters. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(80).forEach(cp -> {
            if (Character.isISOControl(cp)) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        if (s.codePointCount(0, s.length()) > 80) {
            sb.append("...");
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

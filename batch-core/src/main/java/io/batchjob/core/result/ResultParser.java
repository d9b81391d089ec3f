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
    private static final ObjectMapper STRICT = mapper(true, false);
    /** Go's decoder keeps the last of duplicate keys. */
    private static final ObjectMapper LAST_WINS = mapper(false, false);
    /**
     * Numbers as written, for the message about a value too large for a double (floats are read as
     * doubles otherwise: a BigDecimal per value cost a tenth of a callback).
     */
    private static final ObjectMapper EXACT = mapper(false, true);

    private static ObjectMapper mapper(boolean strictDuplicates, boolean bigDecimals) {
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(LIMITS)
                .configure(StreamReadFeature.STRICT_DUPLICATE_DETECTION, strictDuplicates).build();
        return JsonMapper.builder(factory).configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, bigDecimals).build();
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
        if (body == null || blank(body, 0)) {
            throw new InvalidResultException("the body is empty: send a JSON object such as {\"my_metric\":[{\"value\":1.0,\"labels\":{\"label_a\":\"AAA\"}}]}");
        }
        List<String> found = new ArrayList<>();
        try {
            JobResult result;
            try {
                result = parse(read(STRICT, body, found), found);
            } catch (DuplicateKey e) {
                found.clear();
                found.add("duplicate key " + e.getMessage() + ": the last value is used (as the Go controller did)");
                result = parse(read(LAST_WINS, body, found), found);
            }
            warnings.addAll(found);
            return result;
        } catch (TooLarge e) {
            // Read again with the numbers as written, for a message that quotes the value.
            parse(read(EXACT, body, new ArrayList<>()), new ArrayList<>());
            throw new InvalidResultException(e.getMessage());
        }
    }

    /** Whether the bytes from {@code from} on are JSON whitespace only (what {@code String.isBlank} found, without decoding). */
    private static boolean blank(byte[] body, int from) {
        for (int i = from; i < body.length; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t' && b != 0x0B && b != 0x0C && (b < 0x1C || b > 0x1F)) {
                return false;
            }
        }
        return true;
    }

    /** A value too large for a double, found while reading doubles. */
    private static final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    private static JobResult parse(JsonNode root, List<String> warnings) {
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
            if (list.isNull()) {
                warnings.add(where(name, -1) + " is null: no values (as the Go controller read it)");
                metrics.put(name, List.of());
                continue;
            }
            if (!list.isArray()) {
                throw new InvalidResultException(where(name, -1) + ": expected a list of {\"value\": <number>, \"labels\": {...}}, found " + kind(list));
            }
            List<MetricValue> values = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                values.add(value(name, i, list.get(i), warnings));
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
            if (p.currentLocation().getByteOffset() < body.length && !blank(body, (int) p.currentLocation().getByteOffset())) {
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
    private static JsonNode field(JsonNode object, String name, String metric, int index, List<String> warnings) {
        JsonNode exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equalsIgnoreCase(name)) {
                warnings.add(where(metric, index) + ": field '" + printable(f) + "' is read as '" + name + "' (as the Go controller did)");
                return object.get(f);
            }
        }
        return null;
    }

    /** Where a message points: {@code 'name'} or {@code 'name'[i]}; built only for a message, not per value. */
    private static String where(String name, int index) {
        return "'" + printable(name) + "'" + (index < 0 ? "" : "[" + index + "]");
    }

    private static MetricValue value(String name, int index, JsonNode node, List<String> warnings) {
        if (node.isNull()) {
            String where = where(name, index);
            warnings.add(where + " is null: value 0 without labels (as the Go controller read it)");
            return new MetricValue(0, Map.of());
        }
        if (!node.isObject()) {
            throw new InvalidResultException(where(name, index) + ": expected {\"value\": <number>, \"labels\": {...}}, found " + kind(node));
        }
        JsonNode v = field(node, "value", name, index, warnings);
        double d;
        if (v == null || v.isNull()) {
            warnings.add(where(name, index) + ".value is " + (v == null ? "missing" : "null") + ": 0 is used (as the Go controller did)");
            d = 0;
        } else if (!v.isNumber()) {
            throw new InvalidResultException(where(name, index) + ".value: expected a number, found " + kind(v));
        } else {
            d = v.doubleValue();
            if (!Double.isFinite(d)) {
                String message = where(name, index) + ".value: " + v.asText() + " is too large for a metric value";
                if (v.isBigDecimal()) {
                    throw new InvalidResultException(message);
                }
                throw new TooLarge(message);
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode l = field(node, "labels", name, index, warnings);
        if (l != null && !l.isNull()) {
            if (!l.isObject()) {
                throw new InvalidResultException(where(name, index) + ".labels: expected an object of label name to string, found " + kind(l));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isNull()) {
                    warnings.add(where(name, index) + ".labels." + printable(e.getKey()) + " is null: \"\" is used (as the Go controller did)");
                    labels.put(e.getKey(), "");
                } else if (!e.getValue().isTextual()) {
                    throw new InvalidResultException(where(name, index) + ".labels." + printable(e.getKey()) + ": expected a string, found "
                            + kind(e.getValue()));
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

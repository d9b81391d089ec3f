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
import io.batchjob.core.config.MetricNames;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and validates a result body. Accepts exactly what the Go controller accepted (an
 * object of metric suffix to a list of {@code {value, labels}}) and rejects with a precise
 * message: invalid JSON, non-object bodies, empty results, invalid metric names, non-numeric or
 * non-finite values, non-string label values, duplicate keys, trailing content.
 * Thread-safe.
 */
public final class ResultParser {

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(16)
                            .maxNumberLength(64)
                            .maxStringLength(64 * 1024)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private ResultParser() {
    }

    /**
     * @param body the raw JSON bytes
     * @param metricPrefix the configured prefix; the full name {@code prefix_suffix} must be valid
     * @throws InvalidResultException saying what is wrong and where
     */
    public static JobResult parse(byte[] body, String metricPrefix) {
        if (body == null || body.length == 0) {
            throw new InvalidResultException("the body is empty: send a JSON object such as {\"my_metric\":[{\"value\":1.0,\"labels\":{\"label_a\":\"AAA\"}}]}");
        }
        JsonNode root;
        try (JsonParser p = MAPPER.createParser(body)) {
            root = MAPPER.readTree(p);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() : "";
            throw new InvalidResultException("the body is not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new InvalidResultException("the body could not be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidResultException("the body is empty: send a JSON object of metric name to a list of values");
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
            if (!MetricNames.isValidMetricName(metricPrefix + "_" + name) || name.isEmpty()) {
                throw new InvalidResultException("'" + printable(name) + "' is not a valid metric name: use letters, digits and '_'");
            }
            JsonNode list = e.getValue();
            if (!list.isArray()) {
                throw new InvalidResultException(name + ": expected a list of {\"value\": <number>, \"labels\": {...}}, found " + kind(list));
            }
            List<MetricValue> values = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                values.add(value(name + "[" + i + "]", list.get(i)));
            }
            metrics.put(name, values);
        }
        return new JobResult(metrics);
    }

    private static MetricValue value(String where, JsonNode node) {
        if (!node.isObject()) {
            throw new InvalidResultException(where + ": expected {\"value\": <number>, \"labels\": {...}}, found " + kind(node));
        }
        JsonNode v = node.get("value");
        if (v == null || v.isNull()) {
            throw new InvalidResultException(where + ".value is required");
        }
        if (!v.isNumber()) {
            throw new InvalidResultException(where + ".value: expected a number, found " + kind(v));
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d)) {
            throw new InvalidResultException(where + ".value: " + v.asText() + " is too large for a metric value");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode l = node.get("labels");
        if (l != null && !l.isNull()) {
            if (!l.isObject()) {
                throw new InvalidResultException(where + ".labels: expected an object of label name to string, found " + kind(l));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new InvalidResultException(where + ".labels." + printable(e.getKey()) + ": expected a string, found " + kind(e.getValue()));
                }
                labels.put(e.getKey(), e.getValue().asText());
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

package io.batchjob.app.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's table of the chart's values, made from the chart itself: one row per key the schema
 * defines (objects with fixed properties are opened, the rest are one value), its type (and allowed
 * values) from values.schema.json, its default from values.yaml, its description from the
 * {@code # -- } comment above it in values.yaml.
 */
public final class ValuesTable {

    private static final Pattern KEY = Pattern.compile("^( *)([A-Za-z0-9_]+):");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ValuesTable() {
    }

    /** The Markdown table. */
    public static String markdown() throws IOException {
        JsonNode schema = JSON.readTree(HelmChart.DIR.resolve("values.schema.json").toFile());
        JsonNode values = new ObjectMapper(new YAMLFactory()).readTree(HelmChart.DIR.resolve("values.yaml").toFile());
        Map<String, String> comments = comments(Files.readAllLines(HelmChart.DIR.resolve("values.yaml")));
        StringBuilder out = new StringBuilder("| value | type | default | description |\n|---|---|---|---|\n");
        rows(schema, values, "", comments, out);
        return out.toString();
    }

    private static void rows(JsonNode schema, JsonNode values, String path, Map<String, String> comments, StringBuilder out) {
        boolean open = schema.has("properties") && schema.path("additionalProperties").isBoolean()
                && !schema.get("additionalProperties").asBoolean();
        if (open) {
            schema.get("properties").fields().forEachRemaining(e -> rows(e.getValue(), values == null ? null : values.get(e.getKey()),
                    path.isEmpty() ? e.getKey() : path + "." + e.getKey(), comments, out));
            return;
        }
        boolean configKey = path.startsWith("config.");
        String description = comments.getOrDefault(path, configKey
                ? "`" + path.substring("config.".length()) + "` of config.yaml (docs/configuration.md)" : "");
        String shown = values == null ? "*(unset)*"
                : values.isNull() ? (configKey ? "*(the controller's default)*" : "*(unset)*") : "`" + cell(compact(values)) + "`";
        out.append("| `").append(path).append("` | ").append(type(schema)).append(" | ").append(shown).append(" | ")
                .append(cell(description)).append(" |\n");
    }

    private static String type(JsonNode schema) {
        String t = schema.get("type").isArray()
                ? String.join(" / ", JSON.convertValue(schema.get("type"), String[].class)) : schema.get("type").asText();
        if (schema.has("enum")) {
            List<String> allowed = new java.util.ArrayList<>();
            schema.get("enum").forEach(v -> {
                if (!v.isNull()) {
                    allowed.add(v.asText().isEmpty() ? "\"\"" : v.asText());
                }
            });
            t += ": " + String.join(", ", allowed);
        }
        return t;
    }

    private static String compact(JsonNode v) {
        return v.isTextual() ? (v.asText().isEmpty() ? "\"\"" : v.asText()) : v.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    /** {@code a.b.c -> text} of the {@code # -- } comments (continued by the {@code #} lines below them) above each key. */
    static Map<String, String> comments(List<String> lines) {
        Map<String, String> comments = new HashMap<>();
        Deque<Map.Entry<Integer, String>> stack = new ArrayDeque<>();
        StringBuilder pending = null;
        for (String line : lines) {
            String stripped = line.strip();
            if (stripped.startsWith("# -- ")) {
                pending = new StringBuilder(stripped.substring(5));
                continue;
            }
            if (stripped.startsWith("#") && pending != null) {
                pending.append(' ').append(stripped.substring(1).strip());
                continue;
            }
            if (stripped.isEmpty()) {
                pending = null;
                continue;
            }
            Matcher m = KEY.matcher(line);
            if (m.find()) {
                int indent = m.group(1).length();
                while (!stack.isEmpty() && stack.peek().getKey() >= indent) {
                    stack.pop();
                }
                stack.push(Map.entry(indent, m.group(2)));
                if (pending != null) {
                    List<String> parts = new java.util.ArrayList<>(stack.stream().map(Map.Entry::getValue).toList());
                    java.util.Collections.reverse(parts); // the stack holds the innermost key first
                    comments.put(String.join(".", parts), pending.toString());
                }
            }
            pending = null;
        }
        return comments;
    }
}

package io.batchjob.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The job pod template ({@code pod-template.yaml}) with the Go-template placeholders
 * {@code {{.Namespace}}}, {@code {{.ExecutionID}}} and {@code {{.NodeName}}} (spaces inside the
 * braces allowed). Any other {@code {{ ... }}} is rejected when the template is read, not at the
 * first run; so is a template that is not a YAML mapping once rendered with sample values.
 * Backends turn the rendered text into their own pod type.
 */
public final class PodTemplate {

    /** The placeholders the Go controller substituted. */
    public static final List<String> PLACEHOLDERS = List.of("Namespace", "ExecutionID", "NodeName");

    private static final Pattern ACTION = Pattern.compile("\\{\\{(.*?)}}", Pattern.DOTALL);
    private static final Pattern KNOWN = Pattern.compile("\\s*\\.(Namespace|ExecutionID|NodeName)\\s*");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final String text;

    private PodTemplate(String text) {
        this.text = text;
    }

    /**
     * @param text   the template text
     * @param source where it came from, for messages (e.g. {@code ConfigMap ns/name key pod-template.yaml})
     * @throws ConfigException naming the bad placeholder(s) with their line, or the YAML problem
     */
    public static PodTemplate parse(String text, String source) {
        if (text == null || text.isBlank()) {
            throw new ConfigException(source, List.of("the pod template is empty: it must be a Pod manifest"));
        }
        List<String> problems = new ArrayList<>();
        Matcher m = ACTION.matcher(text);
        while (m.find()) {
            if (!KNOWN.matcher(m.group(1)).matches()) {
                problems.add("line " + lineOf(text, m.start()) + ": unknown placeholder '" + m.group()
                        + "'; only {{.Namespace}}, {{.ExecutionID}} and {{.NodeName}} are substituted");
            }
        }
        int unclosed = text.replaceAll("\\{\\{.*?}}", "").indexOf("{{");
        if (problems.isEmpty() && unclosed >= 0) {
            problems.add("an opening '{{' has no closing '}}'");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        PodTemplate template = new PodTemplate(text);
        String sample = template.render("sample-namespace", "20000101000000", "sample-node");
        try {
            JsonNode node = YAML.readTree(sample);
            if (node == null || !node.isObject()) {
                throw new ConfigException(source, List.of("the pod template must be a YAML mapping (a Pod manifest)"));
            }
            JsonNode kind = node.get("kind");
            if (kind != null && !"Pod".equals(kind.asText())) {
                throw new ConfigException(source, List.of("the pod template has kind '" + kind.asText() + "'; it must be a Pod"));
            }
            JsonNode spec = node.get("spec");
            if (spec == null || !spec.isObject() || !spec.path("containers").isArray() || spec.path("containers").isEmpty()) {
                throw new ConfigException(source, List.of("the pod template needs spec.containers with at least one container"));
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, List.of("the pod template is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : "")));
        }
        return template;
    }

    /** Substitutes the placeholders. Values are node and namespace names and numeric IDs. */
    public String render(String namespace, String executionId, String nodeName) {
        Map<String, String> values = Map.of("Namespace", namespace, "ExecutionID", executionId, "NodeName", nodeName);
        Matcher m = ACTION.matcher(text);
        StringBuilder sb = new StringBuilder(text.length() + 64);
        while (m.find()) {
            String key = m.group(1).strip().substring(1);
            m.appendReplacement(sb, Matcher.quoteReplacement(values.get(key)));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The template as configured. */
    public String text() {
        return text;
    }

    private static int lineOf(String text, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}

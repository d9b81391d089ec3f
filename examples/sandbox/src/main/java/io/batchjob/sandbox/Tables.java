package io.batchjob.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-side printing for the sandbox's API: a list or an object as a {@code meta.k8s.io/v1}
 * Table with the columns the real API server prints for that kind (pods: ready, status, restarts,
 * age, node; events: last seen, type, reason, object, message; ...), NAME and AGE for the others.
 */
final class Tables {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Tables() {
    }

    static ObjectNode of(JsonNode listOrObject) {
        List<JsonNode> items = new ArrayList<>();
        String kind = listOrObject.path("kind").asText();
        if (kind.endsWith("List")) {
            listOrObject.path("items").forEach(items::add);
            // The mock answers lists as kind "List": the items say what they are.
            kind = !items.isEmpty() && items.get(0).hasNonNull("kind") ? items.get(0).path("kind").asText() : kind.substring(0, kind.length() - 4);
        } else {
            items.add(listOrObject);
        }
        ObjectNode table = JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        table.set("metadata", listOrObject.path("metadata").deepCopy());
        ArrayNode columns = table.putArray("columnDefinitions");
        List<String[]> defs = columns(kind);
        for (String[] d : defs) {
            columns.addObject().put("name", d[0]).put("type", "string").put("format", d[0].equals("Name") ? "name" : "")
                    .put("description", d[0]).put("priority", Integer.parseInt(d[1]));
        }
        ArrayNode rows = table.putArray("rows");
        for (JsonNode item : items) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (String c : cells(kind, item)) {
                cells.add(c);
            }
            ObjectNode meta = row.putObject("object").put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
            meta.set("metadata", item.path("metadata").deepCopy());
        }
        return table;
    }

    private static List<String[]> columns(String kind) {
        return switch (kind) {
            case "Pod" -> List.of(new String[]{"Name", "0"}, new String[]{"Ready", "0"}, new String[]{"Status", "0"},
                    new String[]{"Restarts", "0"}, new String[]{"Age", "0"}, new String[]{"Node", "1"});
            case "Event" -> List.of(new String[]{"Last Seen", "0"}, new String[]{"Type", "0"}, new String[]{"Reason", "0"},
                    new String[]{"Object", "0"}, new String[]{"Message", "0"});
            case "ConfigMap" -> List.of(new String[]{"Name", "0"}, new String[]{"Data", "0"}, new String[]{"Age", "0"});
            case "Node" -> List.of(new String[]{"Name", "0"}, new String[]{"Status", "0"}, new String[]{"Roles", "0"},
                    new String[]{"Age", "0"}, new String[]{"Version", "0"});
            case "Lease" -> List.of(new String[]{"Name", "0"}, new String[]{"Holder", "0"}, new String[]{"Age", "0"});
            default -> List.of(new String[]{"Name", "0"}, new String[]{"Age", "0"});
        };
    }

    private static List<String> cells(String kind, JsonNode o) {
        String name = o.path("metadata").path("name").asText();
        String age = age(o.path("metadata").path("creationTimestamp").asText(""));
        return switch (kind) {
            case "Pod" -> {
                int containers = o.path("spec").path("containers").size();
                int ready = 0;
                int restarts = 0;
                for (JsonNode cs : o.path("status").path("containerStatuses")) {
                    ready += cs.path("ready").asBoolean() ? 1 : 0;
                    restarts += cs.path("restartCount").asInt();
                }
                String status = o.path("status").path("phase").asText("Pending");
                for (JsonNode cs : o.path("status").path("containerStatuses")) {
                    String waiting = cs.path("state").path("waiting").path("reason").asText("");
                    String terminated = cs.path("state").path("terminated").path("reason").asText("");
                    status = !waiting.isEmpty() ? waiting : !terminated.isEmpty() ? terminated : status;
                }
                if (o.path("metadata").hasNonNull("deletionTimestamp")) {
                    status = "Terminating";
                }
                yield List.of(name, ready + "/" + containers, status, String.valueOf(restarts), age,
                        o.path("spec").path("nodeName").asText("<none>"));
            }
            case "Event" -> {
                JsonNode io = o.path("involvedObject");
                String seen = age(o.path("lastTimestamp").asText(o.path("eventTime").asText("")));
                yield List.of(seen, o.path("type").asText(), o.path("reason").asText(),
                        io.path("kind").asText().toLowerCase(java.util.Locale.ROOT) + "/" + io.path("name").asText(), o.path("message").asText());
            }
            case "ConfigMap" -> List.of(name, String.valueOf(o.path("data").size() + o.path("binaryData").size()), age);
            case "Node" -> {
                String ready = "Unknown";
                for (JsonNode c : o.path("status").path("conditions")) {
                    if ("Ready".equals(c.path("type").asText())) {
                        ready = "True".equals(c.path("status").asText()) ? "Ready" : "NotReady";
                    }
                }
                if (o.path("spec").path("unschedulable").asBoolean()) {
                    ready += ",SchedulingDisabled";
                }
                yield List.of(name, ready, "<none>", age, o.path("status").path("nodeInfo").path("kubeletVersion").asText("sandbox"));
            }
            case "Lease" -> List.of(name, o.path("spec").path("holderIdentity").asText("<none>"), age);
            default -> List.of(name, age);
        };
    }

    /** As kubectl prints ages: 42s, 5m12s, 17m, 3h4m, 2d. */
    static String age(String timestamp) {
        if (timestamp == null || timestamp.isEmpty()) {
            return "<unknown>";
        }
        long s;
        try {
            s = Math.max(0, Duration.between(Instant.parse(timestamp), Instant.now()).toSeconds());
        } catch (java.time.format.DateTimeParseException e) {
            return "<unknown>";
        }
        if (s < 120) {
            return s + "s";
        }
        if (s < 600) {
            return (s / 60) + "m" + (s % 60) + "s";
        }
        if (s < 3 * 3600) {
            return (s / 60) + "m";
        }
        if (s < 8 * 3600) {
            return (s / 3600) + "h" + (s % 3600 / 60) + "m";
        }
        return s < 48 * 3600 ? (s / 3600) + "h" : (s / 86400) + "d";
    }
}

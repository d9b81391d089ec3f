package io.batchjob.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchjob.testkit.k8s.MockApiServer;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox's Kubernetes API: fabric8's CRUD mock, taught what {@code kubectl} needs of a server
 * so that every operator command of the README works against the sandbox as printed:
 * <ul>
 *   <li>discovery ({@code /api}, {@code /apis}, {@code /api/v1}, {@code /apis/<group>/<version>},
 *   {@code /version}) for the kinds the sandbox has — the plain mock answers those paths with stored
 *   objects, and kubectl then knows no resource type at all;</li>
 *   <li>{@code core/v1} Events ({@code kubectl get events}, {@code kubectl describe}) read from the
 *   {@code events.k8s.io/v1} Events the controller writes, as a real API server converts them
 *   (one storage, two versions), with the {@code involvedObject.*} field selectors describe uses;</li>
 *   <li>strategic merge patches ({@code kubectl edit}, {@code apply}), applied as JSON merge patches
 *   — the same for the kinds one edits here (no lists with merge keys in a ConfigMap's data);</li>
 *   <li>{@code pods/<name>/log} from what the simulated kubelet captured ({@code kubectl logs}, savePodLog).</li>
 * </ul>
 * Threading: answers are computed on the mock server's own threads; the log source is thread-safe.
 */
final class SandboxApiServer extends MockApiServer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LOG = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log");
    private static final Pattern CORE_EVENTS = Pattern.compile("/api/v1(?:/namespaces/([^/]+))?/events");
    private static final List<String> ALL = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    /** Group/version -> its APIResourceList, in the order kubectl prefers them (core first). */
    private static final Map<String, ObjectNode> RESOURCES = resourceLists();

    private volatile Function<String, String> logs = pod -> null;

    /** Where {@code pods/<name>/log} comes from: the pod's output, or null when it has none (404). */
    void logs(Function<String, String> podOutput) {
        this.logs = podOutput;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String full = request.getPath() == null ? "" : request.getPath();
        int q = full.indexOf('?');
        String path = q < 0 ? full : full.substring(0, q);
        Map<String, String> query = query(q < 0 ? "" : full.substring(q + 1));
        String method = request.getMethod();
        if ("GET".equals(method)) {
            switch (path) {
                case "/version" -> {
                    return json(200, JSON.createObjectNode().put("major", "1").put("minor", "37").put("gitVersion", "v1.37.2-sandbox")
                            .put("platform", "linux/amd64").toString());
                }
                case "/api", "/api/" -> {
                    ObjectNode versions = JSON.createObjectNode().put("kind", "APIVersions");
                    versions.putArray("versions").add("v1");
                    versions.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", "127.0.0.1");
                    return json(200, versions.toString());
                }
                case "/apis", "/apis/" -> {
                    return json(200, groupList());
                }
                case "/openapi/v3" -> {
                    return json(200, openApiPaths());
                }
                case "/openapi/v2" -> {
                    return status(404, "NotFound", "the sandbox serves OpenAPI v3 only");
                }
                default -> {
                    ObjectNode list = RESOURCES.get(path.startsWith("/api/") ? path.substring(5) : path.startsWith("/apis/") ? path.substring(6) : "");
                    if (list != null) {
                        return json(200, list.toString());
                    }
                }
            }
            if (path.startsWith("/openapi/v3/")) {
                String gv = path.substring("/openapi/v3/".length()).replaceFirst("^apis?/", "");
                if (RESOURCES.containsKey(gv)) {
                    return json(200, openApiSchemas(gv));
                }
            }
            Matcher log = LOG.matcher(path);
            if (log.matches()) {
                String out = logs.apply(log.group(2));
                return out == null ? status(404, "NotFound", "no log of pod " + log.group(2) + " (the simulated kubelet has not run it)")
                        : new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody(out);
            }
            boolean watch = "true".equals(query.get("watch"));
            Matcher events = CORE_EVENTS.matcher(path);
            if (events.matches() && !watch) {
                return asTableIfAsked(request, json(200, coreEvents(events.group(1), query.get("fieldSelector"))));
            }
            if (!watch) {
                return asTableIfAsked(request, withJsonType(super.dispatch(request)));
            }
        }
        if ("PATCH".equals(method) && String.valueOf(request.getHeader("Content-Type")).startsWith("application/strategic-merge-patch+json")) {
            return super.dispatch(new RecordedRequest(request.getRequestLine(), request.method(), full,
                    request.getHeaders().newBuilder().set("Content-Type", "application/merge-patch+json").build(),
                    new Buffer(request.getBody().getBytes())));
        }
        return withJsonType(super.dispatch(request));
    }

    /** The mock leaves out the content type; client-go then takes the body for protobuf (kubectl describe). */
    private static MockResponse withJsonType(MockResponse r) {
        if (r.getWebSocketListener() == null && r.header("Content-Type") == null) {
            r.setHeader("Content-Type", "application/json");
        }
        return r;
    }

    /**
     * {@code kubectl get} asks for a {@code meta.k8s.io/v1} Table (server-side printing); without one
     * it prints only NAME and AGE. The columns are the real API server's for the kinds the sandbox has.
     */
    private static MockResponse asTableIfAsked(RecordedRequest request, MockResponse r) {
        String accept = String.valueOf(request.getHeader("Accept"));
        if (r.code() != 200 || !accept.contains("as=Table") || r.getWebSocketListener() != null) {
            return r;
        }
        try {
            JsonNode body = JSON.readTree(r.getBody().readUtf8());
            if (!body.isObject() || !body.hasNonNull("kind")) {
                return r;
            }
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json;as=Table;v=v1;g=meta.k8s.io")
                    .setBody(JSON.writeValueAsString(Tables.of(body)));
        } catch (java.io.IOException | RuntimeException e) {
            return r;
        }
    }

    /** {@code core/v1} Events of a namespace (or all), converted from the stored {@code events.k8s.io/v1} ones and filtered. */
    private String coreEvents(String namespace, String fieldSelector) {
        ObjectNode list = JSON.createObjectNode().put("kind", "EventList").put("apiVersion", "v1");
        list.putObject("metadata").put("resourceVersion", "");
        ArrayNode items = list.putArray("items");
        MockResponse stored = super.handleGet(namespace == null ? "/apis/events.k8s.io/v1/events"
                : "/apis/events.k8s.io/v1/namespaces/" + namespace + "/events");
        Map<String, String> wanted = selector(fieldSelector);
        try {
            JsonNode body = JSON.readTree(stored.getBody().readUtf8());
            for (JsonNode e : body.path("items")) {
                ObjectNode core = toCore(e);
                if (wanted.entrySet().stream().allMatch(w -> w.getValue().equals(field(core, w.getKey())))) {
                    items.add(core);
                }
            }
            return JSON.writeValueAsString(list);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** As the API server converts: regarding -> involvedObject, note -> message, reportingController -> source.component. */
    static ObjectNode toCore(JsonNode e) {
        ObjectNode core = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Event");
        core.set("metadata", e.path("metadata").deepCopy());
        core.set("involvedObject", e.path("regarding").isMissingNode() ? JSON.createObjectNode() : e.path("regarding").deepCopy());
        if (e.hasNonNull("related")) {
            core.set("related", e.get("related").deepCopy());
        }
        core.put("reason", e.path("reason").asText(""));
        core.put("message", e.path("note").asText(""));
        core.put("type", e.path("type").asText("Normal"));
        core.put("action", e.path("action").asText(""));
        core.putObject("source").put("component", e.path("reportingController").asText(""));
        core.put("reportingComponent", e.path("reportingController").asText(""));
        core.put("reportingInstance", e.path("reportingInstance").asText(""));
        String time = e.path("eventTime").asText(e.path("metadata").path("creationTimestamp").asText(""));
        if (!time.isEmpty()) {
            core.put("eventTime", time);
            String seconds = time.replaceFirst("\\.[0-9]+", "");
            core.put("firstTimestamp", seconds);
            core.put("lastTimestamp", seconds);
        }
        core.put("count", 1);
        return core;
    }

    private static String field(JsonNode node, String dotted) {
        JsonNode n = node;
        for (String part : dotted.split("\\.")) {
            n = n.path(part);
        }
        return n.isMissingNode() || n.isNull() ? "" : n.asText();
    }

    /** {@code a=b,c==d} (the equality forms field selectors take); a {@code !=} term is not supported and ignored. */
    private static Map<String, String> selector(String fieldSelector) {
        Map<String, String> m = new LinkedHashMap<>();
        if (fieldSelector == null || fieldSelector.isEmpty()) {
            return m;
        }
        for (String term : fieldSelector.split(",")) {
            if (term.contains("!=")) {
                continue;
            }
            String[] kv = term.split("==?", 2);
            if (kv.length == 2) {
                m.put(kv[0].strip(), kv[1].strip());
            }
        }
        return m;
    }

    private static Map<String, String> query(String q) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : q.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            m.put(URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
    }

    private static MockResponse status(int code, String reason, String message) {
        ObjectNode s = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
                .put("reason", reason).put("code", code).put("message", message);
        return json(code, s.toString());
    }

    /** The OpenAPI v3 discovery document: one schema document per group version (kubectl edit validates with it). */
    private static String openApiPaths() {
        ObjectNode paths = JSON.createObjectNode();
        for (String gv : RESOURCES.keySet()) {
            String key = gv.contains("/") ? "apis/" + gv : "api/" + gv;
            paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key + "?hash=sandbox");
        }
        ObjectNode root = JSON.createObjectNode();
        root.set("paths", paths);
        return root.toString();
    }

    /**
     * A permissive schema per kind of the group version (any field allowed), and a PATCH operation
     * per kind that takes {@code fieldValidation}: kubectl then leaves validation to the server (as
     * with a real one) instead of validating against schemas the sandbox does not have. What is
     * wrong in a ConfigMap's config.yaml the controller itself says (a ConfigRefused Event).
     */
    private static String openApiSchemas(String gv) {
        ObjectNode root = JSON.createObjectNode().put("openapi", "3.0.0");
        root.putObject("info").put("title", "sandbox").put("version", "v1.37.2");
        ObjectNode paths = root.putObject("paths");
        ObjectNode schemas = root.putObject("components").putObject("schemas");
        String group = gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "";
        String version = gv.contains("/") ? gv.substring(gv.indexOf('/') + 1) : gv;
        for (JsonNode r : RESOURCES.get(gv).path("resources")) {
            String kind = r.path("kind").asText();
            String name = "sandbox." + (group.isEmpty() ? "core" : group) + "." + version + "." + kind;
            if (r.path("name").asText().contains("/") || schemas.has(name)) {
                continue;
            }
            ObjectNode schema = schemas.putObject(name).put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
            schema.putArray("x-kubernetes-group-version-kind").addObject().put("group", group).put("kind", kind).put("version", version);
            String prefix = (group.isEmpty() ? "/api/" : "/apis/") + gv + (r.path("namespaced").asBoolean() ? "/namespaces/{namespace}/" : "/");
            ObjectNode patch = paths.putObject(prefix + r.path("name").asText() + "/{name}").putObject("patch");
            patch.putObject("x-kubernetes-group-version-kind").put("group", group).put("kind", kind).put("version", version);
            patch.put("x-kubernetes-action", "patch");
            patch.putArray("parameters").addObject().put("name", "fieldValidation").put("in", "query")
                    .putObject("schema").put("type", "string");
        }
        return root.toString();
    }

    private static String groupList() {
        ObjectNode list = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        for (String gv : RESOURCES.keySet()) {
            if (!gv.contains("/")) {
                continue; // the core group is /api's
            }
            ObjectNode version = JSON.createObjectNode().put("groupVersion", gv).put("version", gv.substring(gv.indexOf('/') + 1));
            ObjectNode group = groups.addObject().put("name", gv.substring(0, gv.indexOf('/')));
            group.putArray("versions").add(version);
            group.set("preferredVersion", version.deepCopy());
        }
        return list.toString();
    }

    private static Map<String, ObjectNode> resourceLists() {
        Map<String, ObjectNode> m = new LinkedHashMap<>();
        m.put("v1", list("v1", List.of(
                resource("pods", "pod", true, "Pod", ALL, List.of("po"), List.of("all")),
                resource("pods/log", "", true, "Pod", List.of("get"), List.of(), List.of()),
                resource("pods/status", "", true, "Pod", List.of("get", "patch", "update"), List.of(), List.of()),
                resource("configmaps", "configmap", true, "ConfigMap", ALL, List.of("cm"), List.of()),
                resource("events", "event", true, "Event", List.of("create", "delete", "get", "list", "patch", "update", "watch"),
                        List.of("ev"), List.of()),
                resource("nodes", "node", false, "Node", ALL, List.of("no"), List.of()),
                resource("namespaces", "namespace", false, "Namespace", ALL, List.of("ns"), List.of()),
                resource("services", "service", true, "Service", ALL, List.of("svc"), List.of("all")),
                resource("serviceaccounts", "serviceaccount", true, "ServiceAccount", ALL, List.of("sa"), List.of()),
                resource("secrets", "secret", true, "Secret", ALL, List.of(), List.of()))));
        m.put("apps/v1", list("apps/v1", List.of(
                resource("deployments", "deployment", true, "Deployment", ALL, List.of("deploy"), List.of("all")),
                resource("replicasets", "replicaset", true, "ReplicaSet", ALL, List.of("rs"), List.of("all")))));
        m.put("coordination.k8s.io/v1", list("coordination.k8s.io/v1", List.of(
                resource("leases", "lease", true, "Lease", ALL, List.of(), List.of()))));
        m.put("events.k8s.io/v1", list("events.k8s.io/v1", List.of(
                resource("events", "event", true, "Event", ALL, List.of("ev"), List.of()))));
        return m;
    }

    private static ObjectNode list(String groupVersion, List<ObjectNode> resources) {
        ObjectNode list = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", groupVersion);
        list.putArray("resources").addAll(resources);
        return list;
    }

    private static ObjectNode resource(String name, String singular, boolean namespaced, String kind, List<String> verbs,
                                       List<String> shortNames, List<String> categories) {
        ObjectNode r = JSON.createObjectNode().put("name", name).put("singularName", singular).put("namespaced", namespaced).put("kind", kind);
        verbs.forEach(r.putArray("verbs")::add);
        if (!shortNames.isEmpty()) {
            shortNames.forEach(r.putArray("shortNames")::add);
        }
        if (!categories.isEmpty()) {
            categories.forEach(r.putArray("categories")::add);
        }
        return r;
    }
}

package io.batchjob.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.PodTemplate;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.spi.JobRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds a job pod from the template and enforces what SPEC section 4 says the controller owns:
 * name, namespace, the owner and execution labels, {@code spec.nodeName}, service account, image
 * pull secrets, {@code restartPolicy: Never}, the owner reference, {@code activeDeadlineSeconds}
 * (from {@code jobTimeout} when one is set, unless the template sets one) and the job environment in every container
 * and init container (reserved and contributed names replaced, all other env kept). Thread-safe.
 */
public final class JobPodFactory {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Logger LOG = LoggerFactory.getLogger(JobPodFactory.class);
    /** Values of the sample job a template is checked with. */
    public static final String SAMPLE_EXECUTION = "20000101000000";
    public static final String SAMPLE_NODE = "template-check";

    private final ControllerConfig config;
    private final PodTemplate template;
    private final String namespace;
    private final OwnerReference owner;
    /** Stands for the node name in the template parsed once per execution; letters only, so YAML reads it as a string. */
    private final String sentinel = "zzbjcnode" + java.util.UUID.randomUUID().toString().replace("-", "").replaceAll("[0-9]", "q");
    /** The template of the latest execution, rendered with the sentinel and parsed: a job copies it instead of parsing YAML. */
    private volatile Parsed parsed;

    private record Parsed(String executionId, JsonNode tree) {
    }

    /**
     * A substituted value that YAML might not read as a string if it stood alone as a plain scalar
     * (a number, boolean, null, infinity in YAML 1.1 or 1.2): then the job's pod is parsed from its
     * own rendered text, as before, so its type is whatever that text says.
     */
    private static final Pattern MAYBE_TYPED = Pattern.compile(
            "(?i)~|null|y|yes|n|no|true|false|on|off|[-+]?\\.?(inf|nan)|[-+]?\\.?[0-9][0-9a-fox_.:e+-]*");

    /**
     * @param owner the controller's top-level owner, or {@code null} when it has none (job pods are
     *              then not garbage-collected with the controller)
     */
    public JobPodFactory(ControllerConfig config, PodTemplate template, String namespace, OwnerReference owner) {
        this.config = config;
        this.template = template;
        this.namespace = namespace;
        this.owner = owner;
    }

    /**
     * Checks that the template, rendered with sample values, is a Pod fabric8 can read, with named
     * containers that have images.
     *
     * @throws ConfigException naming the source and the problem
     */
    public static void validate(PodTemplate template, String source) {
        Pod pod;
        try {
            pod = SERIALIZATION.unmarshal(template.render("sample-namespace", "20000101000000", "sample-node"), Pod.class);
        } catch (RuntimeException e) {
            throw new ConfigException(source, List.of("the pod template is not a valid Pod: " + rootMessage(e)));
        }
        List<String> problems = new ArrayList<>();
        List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
        if (containers.isEmpty()) {
            problems.add("the pod template needs spec.containers with at least one container");
        }
        for (Container c : allContainers(pod.getSpec())) {
            if (c.getName() == null || c.getName().isBlank()) {
                problems.add("every container of the pod template needs a name");
            }
            if (c.getImage() == null || c.getImage().isBlank()) {
                problems.add("container '" + c.getName() + "' of the pod template needs an image");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
    }

    /**
     * Asks the API server to validate the pod of a sample job without creating it (a server-side
     * dry run: validation, defaulting and admission, nothing stored), so that a template the server
     * would reject — a bad container name, a label value over 63 characters, a negative quantity —
     * is a configuration error at start-up, not a failed job at the first run.
     *
     * @param environment the job environment of a sample job (as the engine would inject it)
     * @throws ConfigException naming the source and every field the server rejected
     */
    public void verifyWithServer(KubernetesClient client, String source, Map<String, String> environment) {
        Pod sample = create(new JobRequest(SAMPLE_EXECUTION, SAMPLE_NODE, "sample-secret", environment,
                config.jobTimeoutLimit().orElse(null)));
        try {
            client.pods().inNamespace(namespace).resource(sample).dryRun().create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 422 || e.getCode() == 400) {
                throw new ConfigException(source, rejections(e));
            }
            // No permission, no service account yet, API unavailable: the template may still be fine.
            LOG.warn("the API server did not check the pod template ({}): {}", e.getCode(),
                    e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage());
        }
    }

    private static List<String> rejections(KubernetesClientException e) {
        Status status = e.getStatus();
        List<StatusCause> causes = status == null || status.getDetails() == null ? List.of()
                : Optional.ofNullable(status.getDetails().getCauses()).orElse(List.of());
        if (causes.isEmpty()) {
            return List.of("the API server rejects the job pod made from pod-template.yaml: "
                    + (status != null && status.getMessage() != null ? status.getMessage() : e.getMessage()));
        }
        return causes.stream().map(c -> "the API server rejects the job pod made from pod-template.yaml: "
                + (c.getField() == null ? "" : c.getField() + ": ") + c.getMessage()).toList();
    }

    /** The pod for one job. */
    public Pod create(JobRequest request) {
        Pod pod = fromTemplate(request.executionId(), request.node());
        ObjectMeta meta = Optional.ofNullable(pod.getMetadata()).orElseGet(ObjectMeta::new);
        pod.setMetadata(meta);
        meta.setName(PodNames.of(config.name(), request.node(), request.executionId(), request.attempt()));
        meta.setGenerateName(null);
        meta.setNamespace(namespace);
        Map<String, String> labels = new LinkedHashMap<>(Optional.ofNullable(meta.getLabels()).orElse(Map.of()));
        labels.put(JobLabels.OWNER, config.name());
        labels.put(JobLabels.EXECUTION_ID, request.executionId());
        meta.setLabels(labels);
        meta.setOwnerReferences(owner == null ? null : new ArrayList<>(List.of(owner)));
        Map<String, String> annotations = new LinkedHashMap<>(Optional.ofNullable(meta.getAnnotations()).orElse(Map.of()));
        annotations.put(JobLabels.CALLBACK_SECRET, request.callbackSecret());
        if (request.attempt() > 1) {
            annotations.put(JobLabels.ATTEMPT, Integer.toString(request.attempt()));
        } else {
            annotations.remove(JobLabels.ATTEMPT); // the template's own value would be a lie
        }
        meta.setAnnotations(annotations);

        PodSpec spec = Optional.ofNullable(pod.getSpec()).orElseGet(PodSpec::new);
        pod.setSpec(spec);
        spec.setNodeName(request.node());
        spec.setNodeSelector(null); // pinned by nodeName; a selector could only make the pod unschedulable
        spec.setRestartPolicy("Never");
        if (!config.jobServiceAccount().isEmpty()) {
            spec.setServiceAccountName(config.jobServiceAccount());
            spec.setServiceAccount(null);
        }
        Set<String> pullSecrets = new LinkedHashSet<>();
        Optional.ofNullable(spec.getImagePullSecrets()).orElse(List.of()).forEach(r -> pullSecrets.add(r.getName()));
        pullSecrets.addAll(config.jobImagePullSecrets());
        spec.setImagePullSecrets(pullSecrets.isEmpty() ? null : pullSecrets.stream().map(LocalObjectReference::new).toList());
        if (spec.getActiveDeadlineSeconds() == null) {
            request.timeLimit().ifPresent(t -> spec.setActiveDeadlineSeconds(Math.max(1, t.toSeconds())));
        }
        for (Container c : allContainers(spec)) {
            c.setEnv(environment(c.getEnv(), request.environment()));
        }
        return pod;
    }

    /**
     * The template as a Pod for this node, as if its rendered text were parsed: the text of an
     * execution is parsed once with a sentinel for the node name, each job substitutes its node
     * into a copy of that tree (node names are DNS names: they cannot change the YAML's structure,
     * only, standing alone, a scalar's type; then the job's own text is parsed).
     */
    Pod fromTemplate(String executionId, String node) {
        Parsed p = parsed;
        if (p == null || !p.executionId().equals(executionId)) {
            String text = template.render(namespace, executionId, sentinel);
            p = new Parsed(executionId, template.text().contains(sentinel) ? null : SERIALIZATION.unmarshal(text, JsonNode.class));
            parsed = p;
        }
        JsonNode tree = p.tree() == null ? null : substitute(p.tree(), node);
        if (tree == null) {
            return SERIALIZATION.unmarshal(template.render(namespace, executionId, node), Pod.class);
        }
        return SERIALIZATION.convertValue(tree, Pod.class);
    }

    /** A copy of {@code n} with the sentinel replaced by {@code node}; null when a replaced value may not stay a string. */
    private JsonNode substitute(JsonNode n, String node) {
        if (n.isTextual()) {
            String text = n.asText();
            if (!text.contains(sentinel)) {
                return n;
            }
            String replaced = text.replace(sentinel, node);
            return MAYBE_TYPED.matcher(replaced).matches() ? null : TextNode.valueOf(replaced);
        }
        if (n.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode value = substitute(e.getValue(), node);
                if (value == null) {
                    return null;
                }
                copy.set(e.getKey().replace(sentinel, node), value);
            }
            return copy;
        }
        if (n.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode(n.size());
            for (JsonNode element : n) {
                JsonNode value = substitute(element, node);
                if (value == null) {
                    return null;
                }
                copy.add(value);
            }
            return copy;
        }
        return n; // numbers, booleans, null: immutable
    }

    private static List<EnvVar> environment(List<EnvVar> template, Map<String, String> job) {
        List<EnvVar> env = new ArrayList<>();
        for (EnvVar e : Optional.ofNullable(template).orElse(List.of())) {
            if (!JobEnvironment.RESERVED.contains(e.getName()) && !job.containsKey(e.getName())) {
                env.add(e);
            }
        }
        job.forEach((k, v) -> env.add(new EnvVar(k, v, null)));
        return env;
    }

    static List<Container> allContainers(PodSpec spec) {
        if (spec == null) {
            return List.of();
        }
        return Stream.concat(Optional.ofNullable(spec.getInitContainers()).orElse(List.of()).stream(),
                Optional.ofNullable(spec.getContainers()).orElse(List.of()).stream()).toList();
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        if (m != null && m.indexOf('\n') > 0) {
            m = m.substring(0, m.indexOf('\n'));
        }
        return m == null ? c.getClass().getSimpleName() : m;
    }
}

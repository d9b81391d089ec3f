package io.batchjob.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.spi.ExecutionHandover;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The running execution's plan in the ConfigMap {@code <name>-execution} ({@code plan.json} and
 * {@code state}: {@code running} or {@code finished}), for a new leader with a report directory of
 * its own. Two writes per execution (its start and its end), one read when a replica starts leading;
 * owned by the controller's top-level owner, so it goes with the installation.
 *
 * <p>Thread-safe (each call is one or two API requests).
 */
public final class ConfigMapHandover implements ExecutionHandover {

    static final String PLAN = "plan.json";
    static final String STATE = "state";
    static final String RUNNING = "running";
    static final String FINISHED = "finished";

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final OwnerReference owner;
    private final ObjectMapper json;

    /**
     * @param controllerName the controller's name; the ConfigMap is {@code <controllerName>-execution}
     * @param owner          the controller's top-level owner, or {@code null}
     * @param json           reads and writes the plan (the report store's mapper)
     */
    public ConfigMapHandover(KubernetesClient client, String namespace, String controllerName, OwnerReference owner, ObjectMapper json) {
        this.client = client;
        this.namespace = namespace;
        this.name = nameFor(controllerName);
        this.owner = owner;
        this.json = json;
    }

    /** The ConfigMap of a controller: {@code <name>-execution}. */
    public static String nameFor(String controllerName) {
        return controllerName + "-execution";
    }

    @Override
    public void started(ExecutionPlan plan) {
        String text;
        try {
            text = json.writeValueAsString(plan);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(Map.of(PLAN, text, STATE, RUNNING));
    }

    @Override
    public void finished(String executionId) {
        ConfigMap current = client.configMaps().inNamespace(namespace).withName(name).get();
        Optional<ExecutionPlan> plan = current == null ? Optional.empty() : plan(current);
        if (plan.isPresent() && plan.get().executionId().equals(executionId)) {
            write(Map.of(STATE, FINISHED));
        }
    }

    @Override
    public Optional<ExecutionPlan> unfinished() {
        ConfigMap current = client.configMaps().inNamespace(namespace).withName(name).get();
        if (current == null || current.getData() == null || !RUNNING.equals(current.getData().get(STATE))) {
            return Optional.empty();
        }
        return plan(current);
    }

    private Optional<ExecutionPlan> plan(ConfigMap cm) {
        String text = cm.getData() == null ? null : cm.getData().get(PLAN);
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(text, ExecutionPlan.class));
        } catch (IOException e) {
            return Optional.empty(); // written by someone else: nothing to adopt
        }
    }

    /** A merge patch of the data; the ConfigMap is created at the first write. */
    private void write(Map<String, String> data) {
        String patch;
        try {
            patch = json.writeValueAsString(Map.of("data", data));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            client.configMaps().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            ConfigMap created = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                    .withOwnerReferences(owner == null ? List.of() : List.of(owner)).endMetadata().withData(data).build();
            try {
                client.configMaps().inNamespace(namespace).resource(created).create();
            } catch (KubernetesClientException conflict) {
                if (conflict.getCode() != 409) {
                    throw conflict;
                }
                client.configMaps().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            }
        }
    }
}

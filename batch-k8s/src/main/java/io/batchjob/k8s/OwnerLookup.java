package io.batchjob.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.Pluralize;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the controller's top-level owner by walking owner references up from its own pod
 * ({@code HOSTNAME}): Pod → ReplicaSet → Deployment, Pod → ReplicationController →
 * DeploymentConfig, or any other kind, read generically. Job pods get it as their owner, so they
 * are garbage-collected with the controller's Deployment.
 */
public final class OwnerLookup {

    private static final Logger LOG = LoggerFactory.getLogger(OwnerLookup.class);
    private static final int MAX_DEPTH = 10;

    private OwnerLookup() {
    }

    /**
     * Where the owner is read from, without API discovery: a discovery request per owner would cost
     * a round trip, and for a kind the server does not serve (a DeploymentConfig outside OpenShift)
     * it fails before the read that RBAC decides on. Owners of pods are namespaced.
     */
    static ResourceDefinitionContext context(OwnerReference ref) {
        String apiVersion = ref.getApiVersion();
        int slash = apiVersion.indexOf('/');
        return new ResourceDefinitionContext.Builder()
                .withGroup(slash < 0 ? "" : apiVersion.substring(0, slash))
                .withVersion(slash < 0 ? apiVersion : apiVersion.substring(slash + 1))
                .withKind(ref.getKind())
                .withPlural(Pluralize.toPlural(ref.getKind().toLowerCase(Locale.ROOT)))
                .withNamespaced(true)
                .build();
    }

    /** @return the reference to put on job pods, empty when the pod cannot be found or has no owner */
    public static Optional<OwnerReference> topLevelOwner(KubernetesClient client, String namespace, String podName) {
        if (podName == null || podName.isBlank()) {
            return Optional.empty();
        }
        try {
            HasMetadata current = client.pods().inNamespace(namespace).withName(podName).get();
            if (current == null) {
                LOG.warn("own pod {}/{} not found: job pods get no owner reference", namespace, podName);
                return Optional.empty();
            }
            OwnerReference top = null;
            for (int depth = 0; depth < MAX_DEPTH; depth++) {
                List<OwnerReference> refs = Optional.ofNullable(current.getMetadata().getOwnerReferences()).orElse(List.of());
                if (refs.isEmpty()) {
                    break;
                }
                OwnerReference ref = refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(refs.get(0));
                top = new OwnerReferenceBuilder().withApiVersion(ref.getApiVersion()).withKind(ref.getKind()).withName(ref.getName())
                        .withUid(ref.getUid()).withBlockOwnerDeletion(false).withController(false).build();
                GenericKubernetesResource owner = client.genericKubernetesResources(context(ref))
                        .inNamespace(namespace).withName(ref.getName()).get();
                if (owner == null) {
                    break;
                }
                current = owner;
            }
            if (top != null) {
                LOG.info("job pods are owned by {} {}", top.getKind(), top.getName());
            }
            return Optional.ofNullable(top);
        } catch (KubernetesClientException e) {
            LOG.warn("cannot look up the owner of pod {}/{} ({}): job pods get no owner reference", namespace, podName, e.getCode());
            return Optional.empty();
        }
    }
}

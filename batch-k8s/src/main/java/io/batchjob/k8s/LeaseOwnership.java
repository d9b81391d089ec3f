package io.batchjob.k8s;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader-election Lease belongs to the controller's top-level owner (its Deployment), so that
 * it is deleted with it ({@code helm uninstall}); fabric8's LeaseLock creates it without owner.
 */
final class LeaseOwnership {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseOwnership.class);

    private LeaseOwnership() {
    }

    /**
     * Makes {@code owner} an owner of the Lease (kept beside any other). A JSON patch, as fabric8's
     * LeaseLock renews with (the RBAC of {@code deploy/} allows get, create and patch), so it never
     * conflicts with a renewal; a Lease that cannot be changed is left as it is with a warning.
     */
    public static void own(KubernetesClient client, String namespace, String leaseName, OwnerReference owner) {
        try {
            var lease = client.leases().inNamespace(namespace).withName(leaseName).get();
            if (lease == null || lease.getMetadata().getOwnerReferences().stream().anyMatch(o -> owner.getUid().equals(o.getUid()))) {
                return;
            }
            OwnerReference ref = new OwnerReferenceBuilder(owner).withController(false).withBlockOwnerDeletion(false).build();
            boolean first = lease.getMetadata().getOwnerReferences().isEmpty();
            String patch = client.getKubernetesSerialization().asJson(java.util.List.of(java.util.Map.of("op", "add",
                    "path", first ? "/metadata/ownerReferences" : "/metadata/ownerReferences/-",
                    "value", first ? java.util.List.of(ref) : ref)));
            client.leases().inNamespace(namespace).withName(leaseName)
                    .patch(new PatchContext.Builder().withPatchType(PatchType.JSON).build(), patch);
        } catch (KubernetesClientException e) {
            LOG.warn("cannot make {} {} the owner of Lease {} (it stays after the controller is uninstalled): {} {}",
                    owner.getKind(), owner.getName(), leaseName, e.getCode(), e.getMessage());
        }
    }
}

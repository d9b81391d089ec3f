package io.batchjob.k8s;

import io.batchjob.core.spi.NodeSource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The nodes an execution runs on: those matching {@code jobNodeSelector} (equality), whose
 * {@code Ready} condition is {@code True}, and — unless {@code runOnUnscheduledNodes} — not cordoned.
 * Sorted by name, so dispatch order is stable.
 */
public final class KubernetesNodeSource implements NodeSource {

    private final KubernetesClient client;
    // Replaced together by a config reload (one immutable pair, read once per listing).
    private volatile Selection selection;

    private record Selection(Map<String, String> selector, boolean includeUnschedulable) {
    }

    public KubernetesNodeSource(KubernetesClient client, Map<String, String> selector, boolean includeUnschedulable) {
        this.client = client;
        select(selector, includeUnschedulable);
    }

    /** Lists from now on select by these ({@code jobNodeSelector}, {@code runOnUnscheduledNodes} reloaded). */
    public void select(Map<String, String> selector, boolean includeUnschedulable) {
        this.selection = new Selection(Map.copyOf(selector), includeUnschedulable);
    }

    @Override
    public List<String> listNodes() {
        Selection s = selection;
        List<Node> nodes = s.selector().isEmpty() ? client.nodes().list().getItems() : client.nodes().withLabels(s.selector()).list().getItems();
        return nodes.stream()
                .filter(KubernetesNodeSource::isReady)
                .filter(n -> s.includeUnschedulable() || !Boolean.TRUE.equals(n.getSpec() == null ? null : n.getSpec().getUnschedulable()))
                .map(n -> n.getMetadata().getName())
                .sorted()
                .toList();
    }

    static boolean isReady(Node node) {
        return Optional.ofNullable(node.getStatus()).map(s -> s.getConditions()).orElse(List.of()).stream()
                .filter(c -> "Ready".equals(c.getType()))
                .map(NodeCondition::getStatus)
                .anyMatch("True"::equals);
    }
}

package io.batchjob.testkit.k8s;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One test class's view of the real API server: its namespace (created with the {@code default}
 * ServiceAccount, which no controller-manager creates here), an admin client, and clients acting
 * as a ServiceAccount with a real token from the TokenRequest API.
 */
public final class RealApiCluster implements AutoCloseable {

    /** Label key that ties Nodes to the test class that created them. */
    public static final String NODE_LABEL = "realapi.test/namespace";

    private final TestApiServer server;
    private final String namespace;
    private final KubernetesClient admin;
    private final List<KubernetesClient> opened = new ArrayList<>();

    private RealApiCluster(TestApiServer server, String namespace, KubernetesClient admin) {
        this.server = server;
        this.namespace = namespace;
        this.admin = admin;
    }

    /** Creates the namespace (and its default ServiceAccount) on the server. */
    public static RealApiCluster create(TestApiServer server, String namespace) {
        KubernetesClient admin = new KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(server.adminConfig()).withNamespace(namespace).build()).build();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
        admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata().withName("default")
                .endMetadata().build()).create();
        return new RealApiCluster(server, namespace, admin);
    }

    public String namespace() {
        return namespace;
    }

    public TestApiServer server() {
        return server;
    }

    /** The admin client of this class (namespace preset; closed after the class). */
    public KubernetesClient admin() {
        return admin;
    }

    /** A new admin client with changes to its configuration (closed after the class). */
    public KubernetesClient adminClient(java.util.function.UnaryOperator<io.fabric8.kubernetes.client.ConfigBuilder> change) {
        return track(new KubernetesClientBuilder().withConfig(change.apply(
                new io.fabric8.kubernetes.client.ConfigBuilder(server.adminConfig()).withNamespace(namespace)).build()).build());
    }

    /** A real token of the ServiceAccount (created when missing), from the TokenRequest API. */
    public String token(String serviceAccount) {
        if (admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount).get() == null) {
            admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
                    .withName(serviceAccount).endMetadata().build()).create();
        }
        return admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                .getStatus().getToken();
    }

    /** A client acting as the ServiceAccount (closed after the class). */
    public KubernetesClient serviceAccountClient(String serviceAccount) {
        Config config = server.tokenConfig(token(serviceAccount), namespace);
        return track(new KubernetesClientBuilder().withConfig(config).build());
    }

    private KubernetesClient track(KubernetesClient client) {
        synchronized (opened) {
            opened.add(client);
        }
        return client;
    }

    /**
     * The label every Node of this class carries ({@link #NODE_LABEL}={@code namespace}): Nodes are
     * cluster-wide, so a test's node selector includes it to see only its own.
     */
    public Map<String, String> nodeLabel() {
        return Map.of(NODE_LABEL, namespace);
    }

    /**
     * Creates a Node as a kubelet would register it: Ready or not, cordoned or not, with labels (and
     * {@link #nodeLabel()}), reachable on loopback at {@code kubeletPort} (0: no kubelet endpoint).
     * The Node is deleted after the class.
     */
    public void createNode(String name, boolean ready, boolean cordoned, Map<String, String> labels, int kubeletPort) {
        Map<String, String> all = new java.util.HashMap<>(labels);
        all.putAll(nodeLabel());
        var builder = new NodeBuilder().withNewMetadata().withName(name).withLabels(all).endMetadata()
                .withNewSpec().withUnschedulable(cordoned ? true : null).endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withReason(ready ? "KubeletReady" : "KubeletNotReady").endCondition()
                .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .addNewAddress().withType("Hostname").withAddress(name).endAddress();
        if (kubeletPort > 0) {
            builder = builder.withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(kubeletPort).endKubeletEndpoint().endDaemonEndpoints();
        }
        admin.nodes().resource(builder.endStatus().build()).create();
    }

    @Override
    public void close() {
        synchronized (opened) {
            opened.forEach(KubernetesClient::close);
            opened.clear();
        }
        try {
            admin.nodes().withLabel(NODE_LABEL, namespace).delete();
            // Without a namespace controller the namespace stays Terminating; its objects stay in this throw-away etcd.
            admin.namespaces().withName(namespace).delete();
        } finally {
            admin.close();
        }
    }
}

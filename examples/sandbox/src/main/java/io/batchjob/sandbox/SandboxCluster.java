package io.batchjob.sandbox;

import io.batchjob.app.Controller;
import io.batchjob.app.ControllerEnvironment;
import io.batchjob.app.Listen;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;

/**
 * A whole cluster on this machine: fabric8's mock API server in CRUD mode, taught what kubectl
 * needs ({@link SandboxApiServer}: discovery, core/v1 Events, {@code pods/log} from what the
 * simulated kubelet captured), Ready nodes, the controller's ConfigMap, the simulated kubelet, and
 * the real controller.
 */
public final class SandboxCluster implements AutoCloseable {

    public static final String NAMESPACE = "sandbox";
    public static final String CONFIG_MAP = "sandbox-config";

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final SimulatedKubelet kubelet;
    private final Controller controller;
    private final Path kubeconfig;
    private final String configMapName;

    private SandboxCluster(KubernetesMockServer server, KubernetesClient client, SimulatedKubelet kubelet, Controller controller, Path kubeconfig,
                           String configMapName) {
        this.configMapName = configMapName;
        this.server = server;
        this.client = client;
        this.kubelet = kubelet;
        this.controller = controller;
        this.kubeconfig = kubeconfig;
    }

    /**
     * Mixed outcomes, by node number: 2, 7, 12, ... fail (exit 1); 3, 8, ... end without a report;
     * 4, 9, ... hang until their {@code jobTimeout}; the others run their command (and report).
     */
    public static Function<Pod, SimulatedKubelet.Behaviour> mixedOutcomes() {
        return pod -> {
            String node = pod.getSpec().getNodeName();
            int n = Integer.parseInt(node.substring(node.lastIndexOf('-') + 1));
            return switch (n % 5) {
                case 2 -> SimulatedKubelet.Behaviour.FAIL;
                case 3 -> SimulatedKubelet.Behaviour.SUCCEED; // exits 0 without running the job: no report
                case 4 -> SimulatedKubelet.Behaviour.HOLD_RUNNING;
                default -> SimulatedKubelet.Behaviour.RUN_COMMAND;
            };
        };
    }

    /**
     * @param behaviour what the kubelet does with each pod (normally: run its command)
     */
    public static SandboxCluster start(int nodes, String configYaml, String podTemplate, Path reports, Listen listen,
                                       Function<Pod, SimulatedKubelet.Behaviour> behaviour) throws Exception {
        return start(nodes, CONFIG_MAP, Map.of("config.yaml", configYaml, "pod-template.yaml", podTemplate), reports, listen, behaviour);
    }

    /**
     * @param configMapName the controller's ConfigMap ({@code CONFIG_MAP_NAME})
     * @param configMapData its data: {@code config.yaml}, {@code pod-template.yaml} and anything else the job pods
     *                      mount from it (e.g. the Go chart's {@code run.sh})
     * @param behaviour     what the kubelet does with each pod (normally: run its command)
     */
    public static SandboxCluster start(int nodes, String configMapName, Map<String, String> configMapData, Path reports, Listen listen,
                                       Function<Pod, SimulatedKubelet.Behaviour> behaviour) throws Exception {
        SandboxApiServer api = new SandboxApiServer();
        api.start();
        KubernetesMockServer server = api.server();
        KubernetesClient client = api.client();
        SimulatedKubelet kubelet = null;
        try {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
            for (int i = 1; i <= nodes; i++) {
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName("sandbox-node-" + i)
                        .withLabels(Map.of("kubernetes.io/hostname", "sandbox-node-" + i)).endMetadata()
                        .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
            }
            // The controller's Service, as deploy/ has it (the sandbox calls back on POD_IP 127.0.0.1).
            client.services().inNamespace(NAMESPACE).resource(new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata()
                    .withName("batch-job-controller").endMetadata().withNewSpec().withClusterIP("10.96.0.10")
                    .addNewPort().withName("callback").withPort(8090).endPort()
                    .addNewPort().withName("reports").withPort(8080).endPort()
                    .addNewPort().withName("metrics").withPort(9153).endPort().endSpec().build()).create();
            client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata().withName(configMapName).endMetadata()
                    .withData(configMapData).build()).create();
            Path kubeconfig = writeKubeconfig(client.getConfiguration().getMasterUrl());
            kubelet = new SimulatedKubelet(client, NAMESPACE, behaviour).start();
            api.logs(kubelet.output()::get);
            ControllerEnvironment env = ControllerEnvironment.from(Map.of("NAMESPACE", NAMESPACE, "CONFIG_MAP_NAME", configMapName,
                    "POD_IP", "127.0.0.1", "HOSTNAME", "sandbox-controller", "REPORT_DIRECTORY", reports.toString()));
            Controller controller = Controller.start(env, client, listen, Clock.systemUTC());
            return new SandboxCluster(server, client, kubelet, controller, kubeconfig, configMapName);
        } catch (Exception | Error e) {
            if (kubelet != null) {
                kubelet.close();
            }
            client.close();
            server.destroy();
            throw e;
        }
    }

    public KubernetesClient client() {
        return client;
    }

    public Controller controller() {
        return controller;
    }

    public SimulatedKubelet kubelet() {
        return kubelet;
    }

    /** The controller's ConfigMap ({@code CONFIG_MAP_NAME}). */
    public String configMapName() {
        return configMapName;
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public String apiServerUrl() {
        return client.getConfiguration().getMasterUrl();
    }

    private static Path writeKubeconfig(String masterUrl) throws Exception {
        Path file = Files.createTempFile("sandbox-kubeconfig", ".yaml");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: sandbox
                    cluster: {server: "%s"}
                users:
                  - name: sandbox
                    user: {token: sandbox}
                contexts:
                  - name: sandbox
                    context: {cluster: sandbox, user: sandbox, namespace: sandbox}
                current-context: sandbox
                """.formatted(masterUrl));
        return file;
    }

    @Override
    public void close() throws Exception {
        try {
            controller.close();
            kubelet.close();
            client.close();
        } finally {
            server.destroy();
        }
    }
}

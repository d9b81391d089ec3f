package io.batchjob.sandbox;

import io.batchjob.app.Controller;
import io.batchjob.app.ControllerEnvironment;
import io.batchjob.app.Listen;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A Go controller user's chart ConfigMap and job script, unchanged, against a real kube-apiserver:
 * the ConfigMap (with {@code run.sh}) and the controller's Service as the chart creates them, Ready
 * nodes, and the simulated kubelet running {@code run.sh} from the ConfigMap mount.
 */
@RealApi
class GoChartMigrationRealApiIT {

    RealApiCluster cluster;

    @TempDir
    Path reports;

    @Test
    void theGoChartsConfigMapAndJobScriptWorkUnchanged() throws Exception {
        var admin = cluster.admin();
        List<String> nodes = List.of("chart-node-1", "chart-node-2", "chart-node-3");
        nodes.forEach(n -> cluster.createNode(n, true, false, Map.of(), 0));
        admin.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName(GoChart.CONFIG_MAP).endMetadata()
                .withData(GoChart.configMapData()).build()).create();
        admin.services().resource(new ServiceBuilder().withNewMetadata().withName(GoChart.NAME).endMetadata().withNewSpec()
                .addToSelector("app", GoChart.NAME).addNewPort().withName("callback").withPort(8090).endPort().endSpec().build()).create();
        try (SimulatedKubelet kubelet = new SimulatedKubelet(admin, cluster.namespace(), pod -> SimulatedKubelet.Behaviour.RUN_COMMAND)
                .onlyLabelled(Map.of("batch-job-controller.bakito.github.com/owner", GoChart.NAME)).start();
             Controller controller = Controller.start(ControllerEnvironment.from(Map.of("NAMESPACE", cluster.namespace(),
                     "CONFIG_MAP_NAME", GoChart.CONFIG_MAP, "POD_IP", "127.0.0.1", "HOSTNAME", GoChart.NAME + "-7d9f8-x2k4p",
                     "REPORT_DIRECTORY", reports.toString())), cluster.adminClient(c -> c), Listen.loopbackAnyPort(), Clock.systemUTC())) {
            GoChart.assertMigrated(controller, admin, cluster.namespace(), reports, nodes);
        }
    }
}

package io.batchjob.sandbox;

import io.batchjob.app.Listen;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

/** A Go controller user's chart ConfigMap and job script, unchanged, in the sandbox (mock API server). */
class GoChartMigrationIT {

    @TempDir
    Path reports;

    @Test
    void theGoChartsConfigMapAndJobScriptWorkUnchanged() throws Exception {
        try (SandboxCluster cluster = SandboxCluster.start(3, GoChart.CONFIG_MAP, GoChart.configMapData(), reports, Listen.loopbackAnyPort(),
                pod -> SimulatedKubelet.Behaviour.RUN_COMMAND)) {
            GoChart.assertMigrated(cluster.controller(), cluster.client(), SandboxCluster.NAMESPACE, reports,
                    List.of("sandbox-node-1", "sandbox-node-2", "sandbox-node-3"));
        }
    }
}

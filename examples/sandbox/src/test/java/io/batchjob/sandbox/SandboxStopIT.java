package io.batchjob.sandbox;

import io.batchjob.app.Listen;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Stopping the sandbox stops the job processes its kubelet started, and what they started. */
class SandboxStopIT {

    @TempDir
    Path reports;

    @Test
    void stoppingTheSandboxStopsItsJobProcesses() throws Exception {
        SandboxCluster cluster = SandboxCluster.start(2, """
                name: stop
                podPoolSize: 2
                runOnStartup: true
                startupDelay: 0s
                cronExpression: ""
                """, """
                apiVersion: v1
                kind: Pod
                spec:
                  containers:
                    - name: job
                      image: busybox
                      command: [sh, -c, "sleep 300 & sleep 301; wait"]
                """, reports, Listen.loopbackAnyPort(), pod -> SimulatedKubelet.Behaviour.RUN_COMMAND);
        List<ProcessHandle> started = new ArrayList<>();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.kubelet().processes().size() == 2
                    && cluster.kubelet().processes().stream().allMatch(p -> p.descendants().count() >= 2));
            cluster.kubelet().processes().forEach(p -> {
                started.add(p.toHandle());
                p.descendants().forEach(started::add);
            });
            assertThat(started).hasSizeGreaterThanOrEqualTo(6).allMatch(ProcessHandle::isAlive);
        } finally {
            cluster.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
    }
}

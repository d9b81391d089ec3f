package io.batchjob.k8s;

import io.batchjob.core.config.ControllerConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@EnableKubernetesMockClient(crud = true)
class LeadershipTest {

    KubernetesClient client;

    @Test
    void devModeLeadsAtOnceWithoutALease() {
        List<String> calls = new ArrayList<>();
        Leadership dev = Leadership.of(true, client, "jobs", ControllerConfig.builder("scan").build(), "pod-1",
                () -> calls.add("start"), () -> calls.add("stop"));

        dev.start();
        assertThat(dev.isLeader()).isTrue();
        dev.close();

        assertThat(calls).containsExactly("start", "stop");
        assertThat(client.leases().inNamespace("jobs").list().getItems()).isEmpty();
    }

    @Test
    void otherwiseItIsALeaseElectionOnTheControllersLease() {
        try (Leadership l = Leadership.of(false, client, "jobs", ControllerConfig.builder("scan").build(), "pod-1", () -> { }, () -> { })) {
            assertThat(l).isInstanceOf(LeaderElection.class);
        }
    }
}

package io.batchjob.k8s;

import io.batchjob.testkit.TcpProxy;
import io.batchjob.testkit.k8s.MockApiServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The mock's half of the leadership recovery proof (the real API server's is
 * {@link LeaderRecoveryRealApiIT}): the API stalls — connections stay open, nothing answers — long
 * enough for the Lease to run out; the controller stops leading, keeps competing (liveness stays
 * true) and leads again once the API answers.
 */
class LeaderRecoveryIT {

    @Test
    void aControllerThatLostTheLeaseDuringAStallOfTheMockApiLeadsAgainWhenItAnswers() throws Exception {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger stopped = new AtomicInteger();
        try (MockApiServer api = new MockApiServer().start();
             TcpProxy proxy = new TcpProxy(api.server().getPort())) {
            Config direct = api.client().getConfiguration();
            Config viaProxy = new ConfigBuilder(direct).withMasterUrl(direct.getMasterUrl().replace(":" + api.server().getPort(),
                    ":" + proxy.port())).withRequestTimeout(2_000).withRequestRetryBackoffLimit(0).build();
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(viaProxy).build();
                 LeaderElection election = new LeaderElection(client, "jobs", "stall-leader-election", "controller-0",
                         Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300), started::incrementAndGet,
                         stopped::incrementAndGet)) {
                election.start();
                await().atMost(Duration.ofSeconds(20)).until(election::isLeader);

                proxy.stall();
                try {
                    await().atMost(Duration.ofSeconds(20)).until(() -> !election.isLeader());
                    assertThat(stopped).hasValue(1);
                    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(election::isCompeting);
                } finally {
                    proxy.flow();
                }

                await().atMost(Duration.ofSeconds(30)).until(election::isLeader);
                assertThat(started).as("led again after the stall").hasValue(2);
                assertThat(api.client().leases().inNamespace("jobs").withName("stall-leader-election").get().getSpec().getHolderIdentity())
                        .isEqualTo("controller-0");
            }
        }
    }
}

package io.batchjob.k8s;

import io.batchjob.testkit.k8s.DedicatedApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A single controller loses its Lease while the API server stalls (its process is paused, SIGSTOP):
 * it stops leading, keeps competing (liveness stays true), and leads again once the API answers.
 * Its own API server, since the test freezes it.
 */
class LeaderRecoveryRealApiIT {

    @RegisterExtension
    static final DedicatedApiServer API = DedicatedApiServer.named("leader-recovery");

    @Test
    void aControllerThatLostTheLeaseDuringAnApiStallLeadsAgainWhenTheApiAnswers() {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger stopped = new AtomicInteger();
        KubernetesClient client = API.cluster().adminClient(c -> c.withRequestTimeout(2_000).withRequestRetryBackoffLimit(0));
        try (LeaderElection election = new LeaderElection(client, API.cluster().namespace(), "recovery-leader-election", "controller-0",
                Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300), started::incrementAndGet, stopped::incrementAndGet)) {
            election.start();
            await().atMost(Duration.ofSeconds(20)).until(election::isLeader);

            API.server().pause();
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> !election.isLeader());
                assertThat(stopped).hasValue(1);
                // Not leading, still competing: /healthz stays 200, the process is not idle.
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(election::isCompeting);
            } finally {
                API.server().resume();
            }

            await().atMost(Duration.ofSeconds(30)).until(election::isLeader);
            assertThat(started).as("led again after the stall").hasValue(2);
            assertThat(API.cluster().admin().leases().withName("recovery-leader-election").get().getSpec().getHolderIdentity())
                    .isEqualTo("controller-0");
        }
        assertThat(new LeaderElection(client, API.cluster().namespace(), "x", "y", Duration.ofSeconds(3), Duration.ofSeconds(2),
                Duration.ofMillis(300), () -> { }, () -> { })).satisfies(e -> {
            e.close();
            assertThat(e.isCompeting()).as("a closed election competes no more").isFalse();
        });
    }
}

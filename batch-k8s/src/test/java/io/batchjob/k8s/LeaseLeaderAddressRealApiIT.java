package io.batchjob.k8s;

import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The leader's callback address on a real Lease: written when it leads, kept through fabric8's
 * renewals, read by the other replicas only while that leader holds the Lease, gone for them once
 * it released it; and the leader's write fence is open while it renews, closed once it released.
 */
@RealApi
class LeaseLeaderAddressRealApiIT {

    RealApiCluster cluster;

    @Test
    void otherReplicasFindTheLeadersAddressWhileItHoldsTheLeaseAndItsRenewalsKeepIt() throws Exception {
        KubernetesClient client = cluster.admin();
        String lease = "relay-leader-election";
        LeaseLeaderAddress mine = new LeaseLeaderAddress(client, cluster.namespace(), lease, "controller-a", Clock.systemUTC());
        LeaseLeaderAddress other = new LeaseLeaderAddress(client, cluster.namespace(), lease, "controller-b", Clock.systemUTC());
        AtomicBoolean leading = new AtomicBoolean();
        URI address = URI.create("http://10.1.2.3:8090");
        LeaderElection election = new LeaderElection(cluster.adminClient(c -> c), cluster.namespace(), lease, "controller-a",
                Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(500), () -> {
                    leading.set(true);
                    mine.publish(address);
                }, () -> leading.set(false));
        try {
            assertThat(other.await(Duration.ofMillis(200))).as("nobody leads yet").isEmpty();
            election.start();
            await().atMost(Duration.ofSeconds(20)).untilTrue(leading);
            assertThat(election.fence().permits()).isTrue();

            assertThat(other.await(Duration.ofSeconds(10))).contains(address);
            assertThat(mine.await(Duration.ofMillis(200))).as("the leader does not relay to itself").isEmpty();
            // Several renewals later (every 0.5 s) the address is still on the Lease.
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> other.await(Duration.ZERO).isPresent());
            assertThat(client.leases().inNamespace(cluster.namespace()).withName(lease).get().getMetadata().getAnnotations())
                    .containsEntry(LeaseLeaderAddress.ANNOTATION, "controller-a " + address);
        } finally {
            election.close(); // releases the Lease
        }
        assertThat(election.fence().permits()).as("released: fenced").isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> other.await(Duration.ZERO).equals(Optional.empty()));
    }
}

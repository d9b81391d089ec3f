package io.batchjob.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class LeaseFenceTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LeaseFence fence = new LeaseFence(Duration.ofSeconds(10), now::get);

    /** A lock whose calls take {@code callTime} and succeed. */
    private Lock lock(String identity, Duration callTime) {
        return new Lock() {
            @Override
            public LeaderElectionRecord get(KubernetesClient client) {
                return null;
            }

            @Override
            public void create(KubernetesClient client, LeaderElectionRecord record) {
                now.addAndGet(callTime.toNanos());
            }

            @Override
            public void update(KubernetesClient client, LeaderElectionRecord record) {
                now.addAndGet(callTime.toNanos());
            }

            @Override
            public String identity() {
                return identity;
            }

            @Override
            public String describe() {
                return "test lock";
            }
        };
    }

    private static LeaderElectionRecord heldBy(String holder) {
        return new LeaderElectionRecord(holder, Duration.ofSeconds(15), ZonedDateTime.now(), ZonedDateTime.now(), 0);
    }

    @Test
    void opensOnlyWhileLeadingWithARenewalYoungerThanTheRenewDeadlineCountedFromWhenItWasSent() {
        Lock recording = fence.recording(lock("me", Duration.ofSeconds(3)));
        assertThat(fence.refusal()).hasValueSatisfying(r -> assertThat(r).contains("does not hold the leader Lease"));

        recording.create(null, heldBy("me")); // sent at t, answered at t + 3 s
        fence.leading(true);
        assertThat(fence.permits()).isTrue();

        now.addAndGet(Duration.ofSeconds(6).toNanos()); // 9 s after it was sent
        assertThat(fence.permits()).isTrue();
        now.addAndGet(Duration.ofSeconds(1).toNanos()); // 10 s: another replica might have it by the lease duration
        assertThat(fence.refusal()).hasValueSatisfying(r -> assertThat(r).contains("last renewed 10000 ms ago"));

        recording.update(null, heldBy("me"));
        assertThat(fence.permits()).as("renewed again").isTrue();
    }

    @Test
    void aPauseLongerThanTheRenewDeadlineClosesItBeforeTheElectorNoticesAndWritesOfOthersDoNotOpenIt() {
        Lock recording = fence.recording(lock("me", Duration.ZERO));
        recording.update(null, heldBy("me"));
        fence.leading(true);
        now.addAndGet(Duration.ofSeconds(20).toNanos()); // SIGSTOP for 20 s, then SIGCONT: still "leading" as far as fabric8 knows
        assertThat(fence.permits()).isFalse();

        recording.update(null, heldBy("other")); // a release, or a record of another holder, renews nothing of ours
        assertThat(fence.permits()).isFalse();
        fence.leading(false);
        recording.update(null, heldBy("me"));
        assertThat(fence.permits()).as("a renewal alone does not make a leader").isFalse();
    }
}

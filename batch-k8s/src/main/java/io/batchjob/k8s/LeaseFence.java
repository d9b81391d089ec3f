package io.batchjob.k8s;

import io.batchjob.core.spi.WriteFence;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Open only while this replica leads and its last successful renewal of the Lease is younger
 * than the renew deadline. Another replica can take the Lease only after it has seen the record
 * unchanged for the whole lease duration, counted from after our renewal was sent — so a replica
 * that was paused ({@code SIGSTOP}, a long GC, a frozen VM) or cut off from the API finds its fence
 * closed before anyone else can lead, even before fabric8 tells it that it lost the Lease. Times
 * are measured on the monotonic clock: a wall-clock jump neither opens nor closes it.
 *
 * <p>Thread-safe: the renew thread records, any thread asks.
 */
final class LeaseFence implements WriteFence {

    private final long validNanos;
    private final LongSupplier nanoTime;
    private volatile boolean leading;
    /** When the last renewal that succeeded was sent; meaningful once {@link #renewedOnce}. */
    private volatile long renewedAt;
    private volatile boolean renewedOnce;

    /**
     * @param renewDeadline how long a renewal stays good for writing: at most the renew deadline
     *                      (shorter than the lease duration, which bounds when another may lead)
     */
    LeaseFence(Duration renewDeadline, LongSupplier nanoTime) {
        this.validNanos = renewDeadline.toNanos();
        this.nanoTime = nanoTime;
    }

    @Override
    public Optional<String> refusal() {
        if (!leading) {
            return Optional.of("this controller does not hold the leader Lease");
        }
        long age = nanoTime.getAsLong() - renewedAt;
        if (!renewedOnce || age >= validNanos) {
            return Optional.of("the leader Lease was last renewed " + Duration.ofNanos(age).toMillis() + " ms ago, longer than the renew"
                    + " deadline: another controller may lead now");
        }
        return Optional.empty();
    }

    void leading(boolean leading) {
        this.leading = leading;
    }

    /** A renewal (or the acquisition) sent at {@code sentAt} succeeded. */
    void renewed(long sentAt) {
        renewedAt = sentAt;
        renewedOnce = true;
    }

    /**
     * The Lease lock fabric8 uses, recording each create or update that succeeds with this replica
     * as holder: those are the acquisitions and renewals.
     */
    Lock recording(Lock lock) {
        return new Lock() {
            @Override
            public LeaderElectionRecord get(KubernetesClient client) {
                return lock.get(client);
            }

            @Override
            public void create(KubernetesClient client, LeaderElectionRecord record) {
                long sentAt = nanoTime.getAsLong();
                lock.create(client, record);
                mine(record, sentAt);
            }

            @Override
            public void update(KubernetesClient client, LeaderElectionRecord record) {
                long sentAt = nanoTime.getAsLong();
                lock.update(client, record);
                mine(record, sentAt);
            }

            private void mine(LeaderElectionRecord record, long sentAt) {
                if (lock.identity().equals(record.getHolderIdentity())) {
                    renewed(sentAt);
                }
            }

            @Override
            public String identity() {
                return lock.identity();
            }

            @Override
            public String describe() {
                return lock.describe();
            }
        };
    }
}

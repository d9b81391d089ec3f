package io.batchjob.k8s;

import io.batchjob.core.spi.LeaderAddress;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Where the leader takes callbacks, kept on the leader-election Lease: the leader writes its
 * identity and callback URL into the annotation {@value #ANNOTATION} when it starts leading
 * ({@link #publish}); other replicas read it ({@link #await}) and trust it only while the Lease's
 * holder is that identity and the Lease has not run out. Reads are cached for a second, so a burst
 * of relayed callbacks costs one GET a second.
 *
 * <p>Thread-safe: {@link #await} from callback threads (one at a time reads; the others wait on
 * this object's monitor), {@link #publish} from the election's callback thread.
 */
public final class LeaseLeaderAddress implements LeaderAddress, AutoCloseable {

    /** {@code <identity> <callback URL>} of the replica that wrote it. */
    public static final String ANNOTATION = "batch-job-controller/callback";
    private static final Logger LOG = LoggerFactory.getLogger(LeaseLeaderAddress.class);
    private static final Duration CACHED = Duration.ofSeconds(1);
    private static final long RECHECK_MILLIS = 1_000;

    private final KubernetesClient client;
    private final String namespace;
    private final String leaseName;
    private final String identity;
    private final Clock clock;
    private Optional<URI> cached = Optional.empty();
    private Instant cachedAt = Instant.MIN;
    /** Reads run here, so that a wait never outlasts its limit while the API hangs; at most one at a time. */
    private final java.util.concurrent.ExecutorService reader = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lease-address-reader");
        t.setDaemon(true);
        return t;
    });
    /** A read still running when its caller's wait ended; the next caller waits for it instead of starting another. */
    private java.util.concurrent.Future<Optional<URI>> pending;

    public LeaseLeaderAddress(KubernetesClient client, String namespace, String leaseName, String identity, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.leaseName = leaseName;
        this.identity = identity;
        this.clock = clock;
    }

    @Override
    public void close() {
        reader.shutdownNow();
    }

    /** Writes this replica's callback URL into the Lease (when it starts leading). A failure is logged: relays then wait. */
    public void publish(URI callbackBase) {
        try {
            client.leases().inNamespace(namespace).withName(leaseName).patch(PatchContext.of(PatchType.JSON_MERGE),
                    client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations",
                            Map.of(ANNOTATION, identity + " " + callbackBase)))));
        } catch (KubernetesClientException e) {
            LOG.warn("cannot write the callback address into Lease {}: callbacks other replicas relay wait for it: {} {}", leaseName,
                    e.getCode(), e.getMessage());
        }
    }

    @Override
    public Optional<URI> await(Duration maxWait) throws InterruptedException {
        return awaitMatching(u -> true, maxWait);
    }

    @Override
    public Optional<URI> awaitOther(URI unreachable, Duration maxWait) throws InterruptedException {
        return awaitMatching(u -> !u.equals(unreachable), maxWait);
    }

    private synchronized Optional<URI> awaitMatching(java.util.function.Predicate<URI> acceptable, Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            Optional<URI> now = current(deadline).filter(acceptable);
            long left = deadline - System.nanoTime();
            if (now.isPresent() || left <= 0) {
                return now;
            }
            // Looks again after a second (one GET for all waiting requests): a new leader writes its address just after it leads.
            wait(Math.max(1, Math.min(RECHECK_MILLIS, left / 1_000_000)));
        }
    }

    private Optional<URI> current(long deadline) throws InterruptedException {
        Instant now = clock.instant();
        if (Duration.between(cachedAt, now).compareTo(CACHED) < 0) {
            return cached;
        }
        if (pending == null) {
            pending = reader.submit(() -> read(now));
        }
        try {
            cached = pending.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return Optional.empty(); // the API does not answer in time: no leader known
        } catch (java.util.concurrent.ExecutionException e) {
            cached = Optional.empty();
        }
        pending = null;
        cachedAt = now;
        return cached;
    }

    private Optional<URI> read(Instant now) {
        Lease lease;
        try {
            lease = client.leases().inNamespace(namespace).withName(leaseName).get();
        } catch (KubernetesClientException e) {
            LOG.debug("cannot read Lease {}: {}", leaseName, e.getMessage());
            return Optional.empty();
        }
        if (lease == null || lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null
                || lease.getMetadata().getAnnotations() == null) {
            return Optional.empty();
        }
        String holder = lease.getSpec().getHolderIdentity();
        String[] written = Optional.ofNullable(lease.getMetadata().getAnnotations().get(ANNOTATION)).orElse("").split(" ", 2);
        if (holder.equals(identity) || written.length != 2 || !written[0].equals(holder)) {
            return Optional.empty(); // this replica, or the holder has not written its address yet
        }
        if (lease.getSpec().getRenewTime() != null && lease.getSpec().getLeaseDurationSeconds() != null
                && lease.getSpec().getRenewTime().toInstant().plusSeconds(lease.getSpec().getLeaseDurationSeconds()).isBefore(now)) {
            return Optional.empty(); // run out: nobody leads until another takes it
        }
        try {
            return Optional.of(URI.create(written[1]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}

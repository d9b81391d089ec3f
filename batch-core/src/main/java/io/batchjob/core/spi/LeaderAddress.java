package io.batchjob.core.spi;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the replica that leads now takes callbacks, for replicas that do not lead and relay the
 * callbacks they receive to it (the Kubernetes backend keeps it on the leader-election Lease).
 * Thread-safe; may block while it looks.
 */
@FunctionalInterface
public interface LeaderAddress {

    /**
     * The leader's callback base URL (scheme, host, port), waiting up to {@code maxWait} for a
     * leader when there is none; empty when none came in time.
     */
    Optional<URI> await(Duration maxWait) throws InterruptedException;

    /**
     * As {@link #await}, for a leader other than the one at {@code unreachable}: its process died
     * (connection refused) while the Lease still names it, so until another replica takes the Lease
     * nobody leads. Implementations that can look again should wait for the change; this default
     * looks once.
     */
    default Optional<URI> awaitOther(URI unreachable, Duration maxWait) throws InterruptedException {
        return await(maxWait).filter(u -> !u.equals(unreachable));
    }
}

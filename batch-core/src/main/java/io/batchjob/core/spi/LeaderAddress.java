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
}

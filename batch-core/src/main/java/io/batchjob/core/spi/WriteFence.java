package io.batchjob.core.spi;

import java.util.Optional;

/**
 * Whether this controller may change what other replicas share — write to the report directory,
 * change metrics, create job pods — right now. With several replicas only the one that holds the
 * leader Lease may, and only while its hold is certain: a leader that was paused (or cut off) past
 * its renew deadline may already have been replaced, even before it notices. Checked before each
 * write; thread-safe and cheap.
 */
@FunctionalInterface
public interface WriteFence {

    /** Always open: a single controller, or an embedder without leader election. */
    WriteFence OPEN = Optional::empty;

    /** @return empty when writing is allowed now, otherwise why not (for logs and answers) */
    Optional<String> refusal();

    /** Whether writing is allowed now. */
    default boolean permits() {
        return refusal().isEmpty();
    }
}

package io.batchjob.core.execution;

/**
 * The engine cannot take more work of this kind right now (e.g. parsed results waiting for the
 * events thread are at their limit); the caller should retry after {@link #retryAfterSeconds()}.
 * The callback API answers it with 503 and {@code Retry-After}.
 */
public class EngineBusyException extends RuntimeException {

    private final int retryAfterSeconds;

    public EngineBusyException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds after which a retry is likely to be accepted. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}

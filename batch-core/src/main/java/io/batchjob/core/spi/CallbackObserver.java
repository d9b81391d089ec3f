package io.batchjob.core.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Told about every request the callback API answered, for operational metrics. Called on the
 * request's worker thread after the response status is known: keep it fast and thread-safe.
 */
@FunctionalInterface
public interface CallbackObserver {

    /** An observer that ignores everything. */
    CallbackObserver NOOP = request -> {
    };

    /** One request was answered. */
    void onCallback(CallbackRequest request);

    /**
     * A request was refused because it would have gone beyond a budget (nothing was stored).
     *
     * @param budget the config key, e.g. {@code maxFilesPerJob} or {@code maxSeriesInMemory}
     */
    default void onBudgetExceeded(String budget) {
    }

    /**
     * @param endpoint     {@code result}, {@code file}, {@code event}, or {@code other} for anything else
     * @param status       the HTTP status sent
     * @param duration     time from receiving the request to the response
     * @param bytesStored  bytes written to the report directory (0 when rejected)
     */
    record CallbackRequest(String endpoint, int status, Duration duration, long bytesStored) {
        public CallbackRequest {
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(duration, "duration");
        }
    }
}

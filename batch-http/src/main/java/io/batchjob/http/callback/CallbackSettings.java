package io.batchjob.http.callback;

import io.batchjob.core.config.Budgets;
import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ControllerConfig;

/**
 * What the callback API needs from the configuration.
 *
 * @param auth           how jobs authenticate
 * @param metricPrefix   the metrics prefix (result metric names are validated against it)
 * @param maxUploadSize  largest accepted file upload body (raw or multipart, whole request)
 * @param maxResultSize  largest accepted result or event body
 * @param devMode        accept callbacks for unknown nodes/executions (as the Go controller's dev mode)
 * @param maxConcurrent  requests handled at once
 * @param maxQueued      requests waiting beyond that (at least 1: Undertow reads 0 as "unbounded"); more get 503
 * @param maxSeriesPerResult most values one result may carry; more is refused with 413
 * @param bodyIdleTimeout how long a request body may pause; then the request ends with 408 and its
 *                        connection closes, and nothing of it is stored
 * @param budgets        files and bytes per job, series in memory (checked before anything is stored)
 */
public record CallbackSettings(CallbackAuth auth, String metricPrefix, long maxUploadSize, long maxResultSize,
                               boolean devMode, int maxConcurrent, int maxQueued, int maxSeriesPerResult,
                               java.time.Duration bodyIdleTimeout, Budgets budgets) {

    public static final int DEFAULT_MAX_CONCURRENT = 16;
    public static final int DEFAULT_MAX_QUEUED = 512;
    /** How long a request body may pause before the request is given up. */
    public static final java.time.Duration DEFAULT_BODY_IDLE_TIMEOUT = java.time.Duration.ofSeconds(15);

    public CallbackSettings {
        if (maxConcurrent < 1 || maxQueued < 1 || maxSeriesPerResult < 1) {
            throw new IllegalArgumentException("maxConcurrent, maxQueued and maxSeriesPerResult must be at least 1");
        }
        if (bodyIdleTimeout.isNegative() || bodyIdleTimeout.isZero()) {
            throw new IllegalArgumentException("bodyIdleTimeout must be positive");
        }
        java.util.Objects.requireNonNull(budgets, "budgets");
    }

    /** With the default budgets. */
    public CallbackSettings(CallbackAuth auth, String metricPrefix, long maxUploadSize, long maxResultSize, boolean devMode,
                            int maxConcurrent, int maxQueued, int maxSeriesPerResult, java.time.Duration bodyIdleTimeout) {
        this(auth, metricPrefix, maxUploadSize, maxResultSize, devMode, maxConcurrent, maxQueued, maxSeriesPerResult,
                bodyIdleTimeout, Budgets.DEFAULT);
    }

    /** These settings with other budgets. */
    public CallbackSettings withBudgets(Budgets other) {
        return new CallbackSettings(auth, metricPrefix, maxUploadSize, maxResultSize, devMode, maxConcurrent, maxQueued,
                maxSeriesPerResult, bodyIdleTimeout, other);
    }

    /** With the default body idle timeout. */
    public CallbackSettings(CallbackAuth auth, String metricPrefix, long maxUploadSize, long maxResultSize, boolean devMode,
                            int maxConcurrent, int maxQueued, int maxSeriesPerResult) {
        this(auth, metricPrefix, maxUploadSize, maxResultSize, devMode, maxConcurrent, maxQueued, maxSeriesPerResult,
                DEFAULT_BODY_IDLE_TIMEOUT);
    }

    /** The largest body any callback accepts: the callback listener's limit (see {@link UndertowServer.Limits}). */
    public long maxBodySize() {
        return Math.max(maxUploadSize, maxResultSize);
    }

    /** With the default {@code maxSeriesPerResult}. */
    public CallbackSettings(CallbackAuth auth, String metricPrefix, long maxUploadSize, long maxResultSize, boolean devMode,
                            int maxConcurrent, int maxQueued) {
        this(auth, metricPrefix, maxUploadSize, maxResultSize, devMode, maxConcurrent, maxQueued,
                ControllerConfig.DEFAULT_MAX_SERIES_PER_RESULT);
    }

    public static CallbackSettings of(ControllerConfig config, boolean devMode) {
        return new CallbackSettings(config.callbackAuth(), config.metrics().prefix(), config.maxUploadSize(),
                config.maxResultSize(), devMode, DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_QUEUED, config.maxSeriesPerResult(),
                DEFAULT_BODY_IDLE_TIMEOUT, config.budgets());
    }
}

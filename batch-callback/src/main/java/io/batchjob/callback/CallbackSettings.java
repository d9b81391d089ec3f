package io.batchjob.callback;

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
 */
public record CallbackSettings(CallbackAuth auth, String metricPrefix, long maxUploadSize, long maxResultSize,
                               boolean devMode, int maxConcurrent, int maxQueued, int maxSeriesPerResult) {

    public static final int DEFAULT_MAX_CONCURRENT = 16;
    public static final int DEFAULT_MAX_QUEUED = 512;

    public CallbackSettings {
        if (maxConcurrent < 1 || maxQueued < 1 || maxSeriesPerResult < 1) {
            throw new IllegalArgumentException("maxConcurrent, maxQueued and maxSeriesPerResult must be at least 1");
        }
    }

    /** With the default {@code maxSeriesPerResult}. */
    public CallbackSettings(CallbackAuth auth, String metricPrefix, long maxUploadSize, long maxResultSize, boolean devMode,
                            int maxConcurrent, int maxQueued) {
        this(auth, metricPrefix, maxUploadSize, maxResultSize, devMode, maxConcurrent, maxQueued,
                ControllerConfig.DEFAULT_MAX_SERIES_PER_RESULT);
    }

    public static CallbackSettings of(ControllerConfig config, boolean devMode) {
        return new CallbackSettings(config.callbackAuth(), config.metrics().prefix(), config.maxUploadSize(),
                config.maxResultSize(), devMode, DEFAULT_MAX_CONCURRENT, DEFAULT_MAX_QUEUED, config.maxSeriesPerResult());
    }
}

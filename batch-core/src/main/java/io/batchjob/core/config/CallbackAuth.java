package io.batchjob.core.config;

/** How the callback API authenticates job pods ({@code callbackAuth}). */
public enum CallbackAuth {
    /** Every callback must carry the job's own secret (default). */
    TOKEN,
    /** No credentials, as in the Go controller. Any pod that can reach the port can post results. */
    NONE;

    /** The spelling used in {@code config.yaml}. */
    public String configValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

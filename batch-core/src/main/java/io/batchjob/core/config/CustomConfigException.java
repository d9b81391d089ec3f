package io.batchjob.core.config;

/**
 * A value an embedder reads from the {@code custom} map is missing or of the wrong type. The
 * message names the full key (e.g. {@code custom.target.port}), what was found and what was
 * expected.
 */
public class CustomConfigException extends ConfigException {
    public CustomConfigException(String message) {
        super(message);
    }
}

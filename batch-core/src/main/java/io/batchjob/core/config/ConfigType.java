package io.batchjob.core.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How one key of {@code config.yaml} is read: from its YAML value to what
 * {@link ControllerConfig.Builder} takes. A wrong type or unreadable text is reported to
 * {@link Findings}, never thrown, so the loader can list every problem of a file at once. Range
 * checks are not here: {@link ControllerConfig} makes them, because values set in code need them too.
 *
 * @param <T> the value the builder takes
 */
@FunctionalInterface
public interface ConfigType<T> {

    /**
     * @param key      the key's full name, for messages ({@code metrics.port})
     * @param node     its value; never {@code null} nor a YAML null (the loader keeps the default for those)
     * @param findings where problems and warnings go
     * @return the value, or {@code null} to keep the default: the value was empty, or a problem was reported
     */
    T read(String key, JsonNode node, Findings findings);

    /** What reading found besides the value. */
    interface Findings {

        /** The value cannot be used; the config is refused with every problem listed. */
        void problem(String message);

        /** The value is used or ignored, and the operator should know. */
        void warning(String message);
    }
}

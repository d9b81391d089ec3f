package io.batchjob.core.config;

import java.util.List;
import java.util.Objects;

/**
 * What {@link ConfigLoader} read from the two ConfigMap texts.
 *
 * @param config      the controller configuration
 * @param podTemplate the validated pod template
 * @param warnings    things that were accepted but deserve attention (unknown keys, deprecated values)
 */
public record LoadedConfig(ControllerConfig config, PodTemplate podTemplate, List<String> warnings) {
    public LoadedConfig {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(podTemplate, "podTemplate");
        warnings = List.copyOf(warnings);
    }
}

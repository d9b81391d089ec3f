package io.batchjob.examples.env;

import io.batchjob.core.config.CustomConfigException;
import io.batchjob.core.config.CustomSettings;
import io.batchjob.core.spi.JobEnvContributor;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Adds variables from the {@code custom} section to every job (the Go controller's
 * {@code CustomPodEnv}):
 *
 * <pre>
 * custom:
 *   target: {url: https://scanner.example/api}   # TARGET_URL
 *   logLevel: debug                              # LOG_LEVEL (debug, info, warn, error)
 *   extraEnv: {REGION: eu-west}                  # added as they are
 * </pre>
 *
 * plus {@code SCAN_ID=<executionID>-<node>} per job. The engine keeps the job pod contract: a
 * reserved name such as {@code NODE_NAME} or {@code CALLBACK_TOKEN} in {@code extraEnv} is dropped
 * with a warning and never reaches the pod.
 */
public final class CustomEnvContributor implements JobEnvContributor {

    private static final Set<String> LEVELS = Set.of("DEBUG", "INFO", "WARN", "ERROR");

    private final Map<String, String> env;

    private CustomEnvContributor(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public static CustomEnvContributor from(CustomSettings custom) {
        Map<String, String> env = new LinkedHashMap<>();
        custom.optionalSection("target").flatMap(t -> t.optionalString("url")).ifPresent(url -> env.put("TARGET_URL", url));
        custom.optionalString("logLevel").ifPresent(level -> {
            String upper = level.toUpperCase(Locale.ROOT);
            if (!LEVELS.contains(upper)) {
                throw new CustomConfigException("custom.logLevel: '" + level + "' is not a log level: use debug, info, warn or error");
            }
            env.put("LOG_LEVEL", upper);
        });
        custom.optionalSection("extraEnv").ifPresent(extra -> extra.asMap().keySet().forEach(k -> env.put(k, extra.string(k))));
        return new CustomEnvContributor(env);
    }

    @Override
    public Map<String, String> environment(String executionId, String node) {
        Map<String, String> out = new LinkedHashMap<>(env);
        out.put("SCAN_ID", executionId + "-" + node);
        return out;
    }
}

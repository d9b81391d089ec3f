package io.batchjob.app;

import io.batchjob.core.config.ConfigException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The controller's environment (SPEC section 3).
 *
 * @param namespace       {@code NAMESPACE}: where the controller works (required)
 * @param configMapName   {@code CONFIG_MAP_NAME}: ConfigMap with config.yaml and pod-template.yaml (required)
 * @param podIp           {@code POD_IP}: callback host when set
 * @param hostname        {@code HOSTNAME}: the controller's pod, for the owner lookup and leader identity
 * @param devMode         {@code DEV_MODE=true}: no leader election, relaxed callback checks, readable logs
 * @param reportDirectory {@code REPORT_DIRECTORY}: overrides {@code reportDirectory}
 */
public record ControllerEnvironment(String namespace, String configMapName, Optional<String> podIp, String hostname,
                                    boolean devMode, Optional<Path> reportDirectory) {

    /** @throws ConfigException naming every missing or invalid variable */
    public static ControllerEnvironment from(Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        String namespace = blankToNull(env.get("NAMESPACE"));
        String configMap = blankToNull(env.get("CONFIG_MAP_NAME"));
        if (namespace == null) {
            problems.add("NAMESPACE is required: the namespace the controller works in (set it from metadata.namespace)");
        }
        if (configMap == null) {
            problems.add("CONFIG_MAP_NAME is required: the ConfigMap holding config.yaml and pod-template.yaml");
        }
        String dev = env.getOrDefault("DEV_MODE", "false");
        if (!dev.isBlank() && !dev.equalsIgnoreCase("true") && !dev.equalsIgnoreCase("false")) {
            problems.add("DEV_MODE must be true or false, was '" + dev + "'");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("the environment", problems);
        }
        String hostname = Optional.ofNullable(blankToNull(env.get("HOSTNAME"))).orElse("batch-job-controller");
        return new ControllerEnvironment(namespace, configMap, Optional.ofNullable(blankToNull(env.get("POD_IP"))), hostname,
                dev.equalsIgnoreCase("true"), Optional.ofNullable(blankToNull(env.get("REPORT_DIRECTORY"))).map(Path::of));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}

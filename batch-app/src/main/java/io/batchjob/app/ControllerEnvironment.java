package io.batchjob.app;

import io.batchjob.core.config.ConfigException;
import io.batchjob.k8s.KubernetesJobBackend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.LoggerFactory;

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
        } else if (!KubernetesJobBackend.NAMESPACE_NAME.matcher(namespace).matches()) {
            problems.add("NAMESPACE '" + namespace + "' is not a namespace name (lower-case letters, digits and '-', "
                    + "starting and ending with a letter or digit, at most 63 characters)");
        }
        if (configMap == null) {
            problems.add("CONFIG_MAP_NAME is required: the ConfigMap holding config.yaml and pod-template.yaml");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("the environment", problems);
        }
        String hostname = Optional.ofNullable(blankToNull(env.get("HOSTNAME"))).orElse("batch-job-controller");
        return new ControllerEnvironment(namespace, configMap, Optional.ofNullable(blankToNull(env.get("POD_IP"))), hostname,
                devMode(env.get("DEV_MODE")), Optional.ofNullable(blankToNull(env.get("REPORT_DIRECTORY"))).map(Path::of));
    }

    /**
     * {@code DEV_MODE} as the Go controller read it ({@code strconv.ParseBool}): 1, t, T, TRUE, true,
     * True are on; 0, f, F, FALSE, false, False and blank are off; anything else is empty (the Go
     * controller ignored the error and ran with it off). Pure: called before logging is set up.
     */
    private static boolean devMode(String value) {
        return parseDevMode(value).orElseGet(() -> {
            LoggerFactory.getLogger(ControllerEnvironment.class).warn(
                    "DEV_MODE='{}' is not a boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False): DEV_MODE is off", value.strip());
            return false;
        });
    }

    static Optional<Boolean> parseDevMode(String value) {
        if (value == null || value.isBlank()) {
            return Optional.of(false);
        }
        return switch (value.strip()) {
            case "1", "t", "T", "TRUE", "true", "True" -> Optional.of(true);
            case "0", "f", "F", "FALSE", "false", "False" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}

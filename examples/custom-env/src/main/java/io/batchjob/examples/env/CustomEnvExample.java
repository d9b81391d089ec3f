package io.batchjob.examples.env;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.JobEnvironment;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints the environment a job pod would get with the contributor, for a config.yaml (argument)
 * or a built-in example.
 *
 * <p>Run: {@code mvn -q -f examples/custom-env exec:java}
 */
public final class CustomEnvExample {

    static final String EXAMPLE = """
            name: scanner
            custom:
              target: {url: "https://scanner.example/api"}
              logLevel: debug
              extraEnv: {REGION: eu-west, NODE_NAME: not-allowed}
            """;

    private CustomEnvExample() {
    }

    public static void main(String[] args) throws Exception {
        String yaml = args.length > 0 ? Files.readString(Path.of(args[0]), StandardCharsets.UTF_8) : EXAMPLE;
        ControllerConfig config = ConfigLoader.parseConfig(yaml, args.length > 0 ? args[0] : "the built-in example", new ArrayList<>());
        JobEnvironment env = new JobEnvironment("jobs", new CallbackEndpoint("10.0.0.1", config.callbackServicePort()),
                config.callbackAuth(), List.of(CustomEnvContributor.from(config.custom())));
        env.build("20261127080000", "worker-1", "<secret>").forEach((k, v) -> System.out.println(k + "=" + v));
    }
}

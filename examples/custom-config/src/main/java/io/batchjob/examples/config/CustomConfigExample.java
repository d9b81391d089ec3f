package io.batchjob.examples.config;

import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;

/**
 * Reads a {@code config.yaml} (argument, or a built-in example) and prints the typed custom
 * settings, or the exact problem.
 *
 * <p>Run: {@code mvn -q -f examples/custom-config exec:java -Dexec.args=path/to/config.yaml}
 */
public final class CustomConfigExample {

    static final String EXAMPLE = """
            name: scanner
            custom:
              target: {url: "https://scanner.example/api", timeout: 45s}
              retries: 3
              profiles: [cis, pci]
              thresholds: {critical: 0, high: 2.5}
              notify: {enabled: true, channels: [ops, security]}
            """;

    private CustomConfigExample() {
    }

    public static void main(String[] args) throws Exception {
        String yaml = args.length > 0 ? Files.readString(Path.of(args[0]), StandardCharsets.UTF_8) : EXAMPLE;
        try {
            ControllerConfig config = ConfigLoader.parseConfig(yaml, args.length > 0 ? args[0] : "the built-in example", new ArrayList<>());
            System.out.println(ScanSettings.from(config.custom()));
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}

package io.batchjob.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchjob.app.helm.HelmChart;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller's image as the package phase writes it (Jib's {@code buildTar} on the base of
 * {@code src/image/runtime.sh}; it replaced the Dockerfile): named as the chart and deploy/ name it,
 * running as a non-root user, the launcher and loader executable, the four ports. That it starts
 * and works on a real node is {@link ChartRealNodeIT}.
 */
class ControllerImageIT {

    private static final Path IMAGE = Path.of("target", "batch-job-controller-image.tar");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] member(String name) throws Exception {
        return run(List.of("tar", "-xOf", IMAGE.toString(), name));
    }

    private static byte[] run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
        return out;
    }

    /** {@code tar -tv} lines of every layer: mode, owner, size, date, path. */
    private static List<String> listing(JsonNode manifest) throws Exception {
        List<String> lines = new ArrayList<>();
        for (JsonNode layer : manifest.path("Layers")) {
            Path file = Files.createTempFile("layer-", ".tar.gz");
            try {
                Files.write(file, member(layer.asText()));
                lines.addAll(new String(run(List.of("tar", "-tvzf", file.toString())), StandardCharsets.UTF_8).lines().toList());
            } finally {
                Files.deleteIfExists(file);
            }
        }
        return lines;
    }

    @Test
    void theImageIsNamedAsTheChartAndDeployNameItAndRunsTheControllerAsANonRootUser() throws Exception {
        assertThat(IMAGE).as("mvn package writes it").exists();
        JsonNode manifest = JSON.readTree(member("manifest.json")).get(0);
        String tag = "batch-job-controller:" + HelmChart.chartAppVersion();
        assertThat(manifest.path("RepoTags").get(0).asText()).isEqualTo(tag);
        Deployment deployment = deployManifest();
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(tag);

        JsonNode config = JSON.readTree(member(manifest.path("Config").asText())).path("config");
        assertThat(config.path("User").asText()).isEqualTo("10001:10001");
        assertThat(config.path("Entrypoint").get(0).asText()).isEqualTo("/opt/java/bin/java");
        assertThat(config.path("Entrypoint").toString()).contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError",
                "io.batchjob.app.Main");
        List<String> ports = new ArrayList<>();
        config.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        assertThat(ports).containsExactlyInAnyOrder("8080/tcp", "8090/tcp", "9152/tcp", "9153/tcp");

        List<String> files = listing(manifest);
        assertThat(files).anySatisfy(l -> assertThat(l).matches("-rwxr-xr-x .* opt/java/bin/java"))
                .anySatisfy(l -> assertThat(l).matches("-rwxr-xr-x .* lib64/ld-linux-x86-64\\.so\\.2"))
                .anySatisfy(l -> assertThat(l).matches("-rw.* opt/java/lib/server/libjvm\\.so|-rwx.* opt/java/lib/server/libjvm\\.so"))
                .anySatisfy(l -> assertThat(l).endsWith(" app/jib-classpath-file"))
                .anySatisfy(l -> assertThat(l).contains(" etc/passwd"));
        assertThat(files).as("no file is writable by others, no set-uid").noneSatisfy(l -> assertThat(l).matches("^.{8}w.*|^...s.*"));
    }

    private static Deployment deployManifest() throws IOException {
        String yaml = Files.readString(Path.of("..", "deploy", "deployment.yaml"));
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.contains("kind: Deployment")) {
                return Serialization.unmarshal(doc, Deployment.class);
            }
        }
        throw new AssertionError("deploy/deployment.yaml has no Deployment");
    }
}

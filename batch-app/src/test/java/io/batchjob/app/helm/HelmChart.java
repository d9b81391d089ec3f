package io.batchjob.app.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The chart in {@code deploy/helm/batch-job-controller}, rendered with the Helm that helm-java
 * bundles ({@code helm template}, {@code helm lint}): values files, {@code --set} pairs, typed results.
 */
public final class HelmChart {

    public static final Path DIR = Path.of("..", "deploy", "helm", "batch-job-controller").toAbsolutePath().normalize();
    /** The values files the chart is tested with; null = the chart's defaults. */
    public static final Map<String, Path> VALUES = valuesFiles();
    /** The release the tests install: named as the chart, its objects are named as in deploy/ (batch-job-controller). */
    public static final String RELEASE = "batch-job-controller";
    public static final String NAMESPACE = "batch-jobs";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private HelmChart() {
    }

    private static Map<String, Path> valuesFiles() {
        Map<String, Path> m = new LinkedHashMap<>();
        m.put("defaults", null);
        m.put("go-chart-values", DIR.resolve("ci/go-chart-values.yaml"));
        m.put("maximal-values", DIR.resolve("ci/maximal-values.yaml"));
        return m;
    }

    /**
     * {@code helm lint --strict -f valuesFile} (null: the defaults). helm-java 0.0.15's lint takes no
     * values file, so a copy of the chart gets the values Helm would use: the file coalesced over the
     * chart's values.yaml (maps merged, a null removes the key).
     */
    public static LintResult lint(Path valuesFile) throws IOException {
        if (valuesFile == null) {
            return new Helm(DIR).lint().strict().call();
        }
        Path copy = Files.createTempDirectory("chart-lint").resolve(DIR.getFileName());
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path f : files.toList()) {
                Path target = copy.resolve(DIR.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode merged = coalesce(yaml.readTree(DIR.resolve("values.yaml").toFile()), yaml.readTree(valuesFile.toFile()));
        yaml.writeValue(copy.resolve("values.yaml").toFile(), merged);
        try {
            return new Helm(copy).lint().strict().call();
        } finally {
            try (Stream<Path> files = Files.walk(copy.getParent())) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static JsonNode coalesce(JsonNode defaults, JsonNode user) {
        if (!(defaults instanceof ObjectNode d) || !(user instanceof ObjectNode u)) {
            return user;
        }
        ObjectNode out = d.deepCopy();
        u.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                out.set(e.getKey(), out.has(e.getKey()) ? coalesce(out.get(e.getKey()), e.getValue()) : e.getValue());
            }
        });
        return out;
    }

    /** The YAML {@code helm template} prints. */
    public static String template(Path valuesFile, String namespace, Map<String, ?> set) {
        return template(RELEASE, valuesFile, namespace, set);
    }

    /** The YAML {@code helm template <release>} prints. */
    public static String template(String release, Path valuesFile, String namespace, Map<String, ?> set) {
        TemplateCommand t = new Helm(DIR).template().withName(release).withNamespace(namespace);
        if (valuesFile != null) {
            t = t.withValuesFile(valuesFile);
        }
        for (Map.Entry<String, ?> e : set.entrySet()) {
            t = t.set(e.getKey(), e.getValue());
        }
        return t.call();
    }

    /** Every rendered object, parsed into its fabric8 type. */
    public static List<HasMetadata> render(Path valuesFile, Map<String, ?> set) {
        return parse(template(valuesFile, NAMESPACE, set));
    }

    public static List<HasMetadata> render(Map<String, ?> set) {
        return render(null, set);
    }

    /** The chart's appVersion (Chart.yaml), the default image tag. */
    public static String chartAppVersion() {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve("Chart.yaml").toFile()).path("appVersion").asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Objects of a release of another name. */
    public static List<HasMetadata> renderRelease(String release, Path valuesFile, Map<String, ?> set) {
        return parse(template(release, valuesFile, NAMESPACE, set));
    }

    /**
     * What {@code helm install} prints after installing (NOTES.txt), from a client-only dry run: no
     * cluster is needed.
     */
    public static String notes(String release, Path valuesFile, Map<String, ?> set) {
        com.marcnuri.helm.InstallCommand install = new Helm(DIR).install().withName(release).withNamespace(NAMESPACE).clientOnly().dryRun();
        if (valuesFile != null) {
            install = install.withValuesFile(valuesFile);
        }
        for (Map.Entry<String, ?> e : set.entrySet()) {
            install = install.set(e.getKey(), e.getValue());
        }
        return install.call().getOutput();
    }

    public static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> items = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            Object parsed = SERIALIZATION.unmarshal(doc);
            if (parsed instanceof KubernetesList list) {
                items.addAll(list.getItems());
            } else {
                items.add((HasMetadata) parsed);
            }
        }
        return items;
    }

    public static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + ", rendered " + found.size());
        }
        return found.get(0);
    }

    public static <T extends HasMetadata> Optional<T> named(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast).filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    /** The controller's ConfigMap (the one with config.yaml). */
    public static ConfigMap controllerConfigMap(List<HasMetadata> objects) {
        return objects.stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
                .filter(cm -> cm.getData() != null && cm.getData().containsKey("config.yaml")).findFirst().orElseThrow();
    }

    public static Deployment deployment(List<HasMetadata> objects) {
        return one(objects, Deployment.class);
    }
}

package io.batchjob.app;

import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every object of every manifest in {@code deploy/} passes a server-side dry run ({@code dryRun=All}:
 * validation, defaulting and admission, nothing stored) on a real API server, applied as
 * {@code kubectl apply --server-side --dry-run=server} would.
 */
@RealApi
class DeployManifestsRealApiIT {

    private static final Path DEPLOY = Path.of("..", "deploy");

    RealApiCluster cluster;

    static Stream<Arguments> objects() throws Exception {
        List<Arguments> all = new ArrayList<>();
        try (KubernetesClient offline = new KubernetesClientBuilder().build();
             Stream<Path> files = Files.list(DEPLOY)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    for (HasMetadata o : offline.load(in).items()) {
                        all.add(Arguments.of(file.getFileName() + ": " + o.getKind() + " " + o.getMetadata().getName(), o));
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objects")
    void passesAServerSideDryRun(String what, HasMetadata object) {
        boolean namespaced = !object.getKind().startsWith("Cluster") && !object.getKind().equals("PersistentVolume");
        HasMetadata accepted = namespaced
                ? cluster.admin().resource(object).inNamespace(cluster.namespace()).dryRun().fieldManager("dry-run-test").forceConflicts().serverSideApply()
                : cluster.admin().resource(object).dryRun().fieldManager("dry-run-test").forceConflicts().serverSideApply();

        assertThat(accepted.getMetadata().getName()).isEqualTo(object.getMetadata().getName());
        HasMetadata stored = namespaced ? cluster.admin().resource(object).inNamespace(cluster.namespace()).get()
                : cluster.admin().resource(object).get();
        if (stored != null) {
            // Cluster-wide RBAC objects may exist from another test class of this JVM; then not from this run.
            assertThat(stored.getMetadata().getManagedFields()).extracting(f -> f.getManager()).doesNotContain("dry-run-test");
        }
    }
}

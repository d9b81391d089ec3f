package io.batchjob.app;

import io.batchjob.app.helm.HelmChart;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every object the chart renders (defaults, the Go chart's values, maximal values) passes a
 * server-side dry run on a real API server ({@code dryRun=All}: validation, defaulting and
 * admission; nothing stored), as {@code helm install --dry-run=server} / {@code kubectl apply
 * --server-side --dry-run=server} would.
 *
 * <p>ServiceMonitor, PrometheusRule (prometheus-operator) and Route (OpenShift) need their CRDs:
 * this test server has none, so it gets minimal ones of ours (group, version, kind, scope, and a
 * schema that keeps every field). The API server then checks their apiVersion, kind, metadata and
 * namespace; their spec fields are checked by {@link HelmChartTest} (typed fabric8 models, no
 * unknown field), not here.
 */
@RealApi
class HelmChartRealApiIT {

    RealApiCluster cluster;

    static Stream<String> valuesFiles() {
        return HelmChart.VALUES.keySet().stream();
    }

    @BeforeEach
    void installTheCrdsTheChartUses() {
        for (CustomResourceDefinition crd : List.of(
                crd("monitoring.coreos.com", "servicemonitors", "ServiceMonitor"),
                crd("monitoring.coreos.com", "prometheusrules", "PrometheusRule"),
                crd("route.openshift.io", "routes", "Route"))) {
            cluster.admin().resource(crd).fieldManager("helm-chart-it").forceConflicts().serverSideApply();
            cluster.admin().apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                    .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions().stream()
                            .anyMatch(k -> k.getType().equals("Established") && k.getStatus().equals("True")), 30, TimeUnit.SECONDS);
        }
    }

    private static CustomResourceDefinition crd(String group, String plural, String kind) {
        return new CustomResourceDefinitionBuilder().withNewMetadata().withName(plural + "." + group).endMetadata()
                .withNewSpec().withGroup(group).withScope("Namespaced")
                .withNewNames().withPlural(plural).withKind(kind).endNames()
                .addNewVersion().withName("v1").withServed(true).withStorage(true)
                .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema().endSchema().endVersion()
                .endSpec().build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void everyRenderedObjectPassesAServerSideDryRun(String values) {
        List<HasMetadata> objects = HelmChart.parse(HelmChart.template(HelmChart.VALUES.get(values), cluster.namespace(), Map.of()));

        assertThat(objects).isNotEmpty();
        for (HasMetadata object : objects) {
            boolean clusterScoped = object instanceof ClusterRole || object instanceof ClusterRoleBinding;
            var resource = clusterScoped ? cluster.admin().resource(object) : cluster.admin().resource(object).inNamespace(cluster.namespace());
            HasMetadata accepted = resource.dryRun().fieldManager("helm-dry-run").forceConflicts().serverSideApply();

            assertThat(accepted.getMetadata().getName()).as(values + ": " + object.getKind()).isEqualTo(object.getMetadata().getName());
            assertThat(accepted.getMetadata().getLabels()).containsAllEntriesOf(object.getMetadata().getLabels());
            assertThat(resource.get()).as(values + ": " + object.getKind() + " was not stored (dry run)").isNull();
        }
    }
}

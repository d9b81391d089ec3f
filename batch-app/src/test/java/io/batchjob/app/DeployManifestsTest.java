package io.batchjob.app;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.k8s.JobPodFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/ parses into typed Kubernetes objects (what kubectl apply --dry-run=client checks without a
 * cluster), and fits the product: the example config loads, the env, probes and ports match.
 */
class DeployManifestsTest {

    private static final Path DEPLOY = Path.of("..", "deploy");
    private final KubernetesSerialization serialization = new KubernetesSerialization();

    private List<HasMetadata> load(String file) throws Exception {
        try (InputStream in = Files.newInputStream(DEPLOY.resolve(file))) {
            Object parsed = serialization.unmarshal(in);
            List<HasMetadata> items = new ArrayList<>();
            if (parsed instanceof KubernetesList list) {
                items.addAll(list.getItems());
            } else if (parsed instanceof List<?> list) {
                list.forEach(o -> items.add((HasMetadata) o));
            } else {
                items.add((HasMetadata) parsed);
            }
            return items;
        }
    }

    @Test
    void everyManifestParsesIntoTypedObjects() throws Exception {
        assertThat(load("rbac.yaml")).extracting(o -> o.getClass().getSimpleName())
                .containsExactly("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");
        assertThat(load("deployment.yaml")).extracting(o -> o.getClass().getSimpleName())
                .containsExactly("Deployment", "Service", "PersistentVolumeClaim");
        assertThat(load("configmap.yaml")).singleElement().isInstanceOf(ConfigMap.class);
    }

    @Test
    void theExampleConfigMapLoadsAndItsTemplateIsAUsablePod() throws Exception {
        ConfigMap cm = (ConfigMap) load("configmap.yaml").get(0);
        LoadedConfig loaded = ConfigLoader.load(cm.getData().get("config.yaml"), cm.getData().get("pod-template.yaml"), "deploy/configmap.yaml");
        JobPodFactory.validate(loaded.podTemplate(), "deploy/configmap.yaml");
        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().callbackServiceName()).isEqualTo("batch-job-controller");
    }

    @Test
    void theDeploymentFitsTheProduct() throws Exception {
        List<HasMetadata> objects = load("deployment.yaml");
        Deployment deployment = (Deployment) objects.get(0);
        Service service = (Service) objects.get(1);
        Container c = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, EnvVar> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));

        assertThat(env.get("POD_IP").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        assertThat(env.get("NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        assertThat(env.get("HOSTNAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(env.get("CONFIG_MAP_NAME").getValue()).isEqualTo(((ConfigMap) load("configmap.yaml").get(0)).getMetadata().getName());
        assertThat(c.getPorts()).extracting(p -> p.getContainerPort()).containsExactlyInAnyOrder(8080, 8090, 9152, 9153);
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKey("memory");
        assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo(load("rbac.yaml").stream().filter(o -> o instanceof ServiceAccount).findFirst().orElseThrow().getMetadata().getName());
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getPort()).containsExactlyInAnyOrder(8080, 8090, 9153);
        assertThat(service.getMetadata().getName()).isEqualTo("batch-job-controller");
        assertThat(objects.get(2)).isInstanceOf(PersistentVolumeClaim.class);
        List<HasMetadata> rbac = load("rbac.yaml");
        assertThat(rbac).filteredOn(o -> o instanceof RoleBinding || o instanceof ClusterRoleBinding).hasSize(2);
        assertThat(rbac).filteredOn(o -> o instanceof Role).hasSize(1);
    }
}

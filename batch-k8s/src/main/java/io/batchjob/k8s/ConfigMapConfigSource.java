package io.batchjob.k8s;

import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code config.yaml} and {@code pod-template.yaml} from the controller's ConfigMap. Every
 * error names the ConfigMap and the key; the pod template is validated at load (rendered with
 * sample values and read as a Pod), so a bad template stops the start, not the first run.
 */
public final class ConfigMapConfigSource {

    private ConfigMapConfigSource() {
    }

    /** @throws ConfigException naming the ConfigMap, the key and the problem */
    public static LoadedConfig load(KubernetesClient client, String namespace, String name) {
        String source = "ConfigMap '" + namespace + "/" + name + "'";
        ConfigMap cm;
        try {
            cm = client.configMaps().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() <= 0) {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                throw new ConfigException(source, List.of("it cannot be read: the Kubernetes API server at "
                        + client.getConfiguration().getMasterUrl() + " cannot be reached (" + root.getMessage() + ")"));
            }
            throw new ConfigException(source, List.of("it cannot be read: " + e.getCode() + " " + Optional.ofNullable(e.getStatus())
                    .map(s -> s.getMessage()).orElse(e.getMessage())));
        }
        if (cm == null) {
            throw new ConfigException(source, List.of("it does not exist; create it with the keys " + ConfigLoader.CONFIG_KEY
                    + " and " + ConfigLoader.POD_TEMPLATE_KEY + " (see deploy/)"));
        }
        Map<String, String> data = Optional.ofNullable(cm.getData()).orElse(Map.of());
        for (String key : List.of(ConfigLoader.CONFIG_KEY, ConfigLoader.POD_TEMPLATE_KEY)) {
            if (!data.containsKey(key)) {
                throw new ConfigException(source, List.of("it has no key '" + key + "' (keys present: " + data.keySet() + ")"));
            }
        }
        LoadedConfig loaded = ConfigLoader.load(data.get(ConfigLoader.CONFIG_KEY), data.get(ConfigLoader.POD_TEMPLATE_KEY), source);
        JobPodFactory.validate(loaded.podTemplate(), source + " key " + ConfigLoader.POD_TEMPLATE_KEY);
        return loaded;
    }
}

package io.batchjob.k8s;

import io.batchjob.core.config.ConfigException;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Where job pods call back: {@code POD_IP} when set, else the ClusterIP of {@code callbackServiceName}. */
public final class CallbackHost {

    private CallbackHost() {
    }

    /** @throws ConfigException when neither gives an address */
    public static String resolve(KubernetesClient client, String namespace, String podIp, String serviceName) {
        if (podIp != null && !podIp.isBlank()) {
            return podIp.strip();
        }
        if (serviceName == null || serviceName.isBlank()) {
            throw new ConfigException("no callback host: set POD_IP through the Downward API (status.podIP) or callbackServiceName in config.yaml");
        }
        Service service = client.services().inNamespace(namespace).withName(serviceName).get();
        if (service == null) {
            throw new ConfigException("no callback host: Service '" + namespace + "/" + serviceName + "' (callbackServiceName) does not exist");
        }
        String ip = service.getSpec() == null ? null : service.getSpec().getClusterIP();
        if (ip == null || ip.isBlank() || ip.equals("None")) {
            throw new ConfigException("no callback host: Service '" + namespace + "/" + serviceName + "' has no ClusterIP (headless services cannot be used)");
        }
        return ip;
    }
}

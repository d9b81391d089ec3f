package io.batchjob.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Consumer;

/**
 * Watches the controller's own ConfigMap (a list and watch limited to its name, so RBAC can
 * grant it by {@code resourceNames}) and hands every version to the consumers: operator requests
 * ({@link ConfigMapControl}) and live config reload. Consumers run on fabric8's informer thread
 * and must only queue work.
 */
public final class ConfigMapWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigMapWatch.class);

    private final SharedIndexInformer<ConfigMap> informer;

    private ConfigMapWatch(SharedIndexInformer<ConfigMap> informer) {
        this.informer = informer;
    }

    /** Starts watching; the consumers get the current version first. */
    public static ConfigMapWatch start(KubernetesClient client, String namespace, String name, List<Consumer<ConfigMap>> consumers) {
        List<Consumer<ConfigMap>> all = List.copyOf(consumers);
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(namespace).withName(name).inform(
                new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ConfigMap cm) {
                        deliver(cm);
                    }

                    @Override
                    public void onUpdate(ConfigMap before, ConfigMap after) {
                        deliver(after);
                    }

                    @Override
                    public void onDelete(ConfigMap cm, boolean unknownFinalState) {
                        LOG.warn("ConfigMap {}/{} was deleted: the controller keeps its current config", namespace, name);
                    }

                    private void deliver(ConfigMap cm) {
                        for (Consumer<ConfigMap> c : all) {
                            try {
                                c.accept(cm);
                            } catch (RuntimeException e) {
                                LOG.error("handling a change of ConfigMap {}/{} failed", namespace, name, e);
                            }
                        }
                    }
                }, 0);
        return new ConfigMapWatch(informer);
    }

    /** Whether the watch is running (for readiness). */
    public boolean isWatching() {
        return informer.isRunning() && informer.hasSynced();
    }

    @Override
    public void close() {
        informer.close();
    }
}

/**
 * The Kubernetes backend on fabric8 kubernetes-client: the controller's ConfigMap
 * ({@link io.batchjob.k8s.ConfigMapConfigSource}), Ready nodes ({@link io.batchjob.k8s.KubernetesNodeSource}),
 * job pods built from the template ({@link io.batchjob.k8s.JobPodFactory}), Events about job pods
 * ({@link io.batchjob.k8s.KubernetesEventPublisher}), the controller's top-level owner
 * ({@link io.batchjob.k8s.OwnerLookup}) and the callback host ({@link io.batchjob.k8s.CallbackHost}).
 *
 * <p>Only API features a real API server and fabric8's CRUD mock agree on are used: equality
 * label selectors, full creates and deletes, list and watch.
 */
package io.batchjob.k8s;

/**
 * The Kubernetes backend on fabric8 kubernetes-client.
 *
 * <ul>
 *   <li>Configuration: the controller's ConfigMap read ({@link io.batchjob.k8s.ConfigMapConfigSource}) and watched
 *       ({@link io.batchjob.k8s.ConfigMapWatch}); operator requests in its annotations
 *       ({@link io.batchjob.k8s.ConfigMapControl}, recorded with a JSON merge patch) and Events about it
 *       ({@link io.batchjob.k8s.ConfigMapEvents}).</li>
 *   <li>Jobs: Ready nodes ({@link io.batchjob.k8s.KubernetesNodeSource}); pods built from the template
 *       ({@link io.batchjob.k8s.JobPodFactory}, named by {@link io.batchjob.k8s.PodNames}, one per attempt) and run by
 *       {@link io.batchjob.k8s.KubernetesJobBackend}: created with a raw POST, adopted after a restart, earlier
 *       executions' pods removed with one DELETE of the collection. {@code JobPodWatch} (one informer on the owner
 *       label, one event thread) ends a job when its pod succeeds, fails, is deleted or cannot start for the start
 *       grace ({@code JobPodStatus} reads the pod); the logs are saved first, every watched job's secret redacted
 *       ({@link io.batchjob.k8s.PodLogSaver}).</li>
 *   <li>Events about job pods ({@link io.batchjob.k8s.KubernetesEventPublisher}, events.k8s.io/v1); the controller's
 *       top-level owner ({@link io.batchjob.k8s.OwnerLookup}); the callback host ({@link io.batchjob.k8s.CallbackHost}).</li>
 *   <li>Several replicas: the Lease ({@link io.batchjob.k8s.LeaderElection}), the write fence from its renewals
 *       ({@link io.batchjob.k8s.LeaseFence}), the leader's callback address on it
 *       ({@link io.batchjob.k8s.LeaseLeaderAddress}), and the running execution's plan for a new leader with a volume
 *       of its own ({@link io.batchjob.k8s.ConfigMapHandover}).</li>
 * </ul>
 *
 * <p>Only API features a real API server and fabric8's CRUD mock agree on are used: equality label selectors (and
 * {@code !=} in the one collection delete), creates, gets, lists, watches, deletes, JSON merge patches of
 * annotations and data, and JSON patches; no strategic-merge or server-side-apply patches.
 */
package io.batchjob.k8s;

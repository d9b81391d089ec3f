/**
 * Test tooling shared by every module's tests, the local sandbox and the benchmarks.
 *
 * <ul>
 *   <li>{@link io.batchjob.testkit.Tools}: the one decision about a missing tool — a failure under
 *       {@code CI=true}, elsewhere a skip whose reason is the command that provides it.</li>
 *   <li>{@link io.batchjob.testkit.TcpProxy}: a loopback TCP proxy that can cut or stall connections.</li>
 *   <li>{@link io.batchjob.testkit.Promtool}: Prometheus' {@code promtool}, built by {@code testing/promtool/build.sh}.</li>
 *   <li>{@code io.batchjob.testkit.k8s}: the real test API server ({@code @RealApi}, a dedicated server per class
 *       when needed), fabric8's mock server set up like a cluster, the simulated kubelet, the kubelet log
 *       endpoint, a kube-proxy stand-in for Services, {@code kubectl}.</li>
 *   <li>{@code io.batchjob.testkit.browser}: headless Chromium over the DevTools protocol.</li>
 * </ul>
 *
 * <p>It depends on no module of this project, so batch-core's tests could use it as well as the
 * controller's. The engine's own test doubles (the in-memory backend, the harness, the backend
 * contract test) need batch-core and so stay in batch-core's test-jar, used in test scope only.
 */
package io.batchjob.testkit;

/**
 * The HTTP surface on Undertow: the callback API jobs post to ({@link io.batchjob.http.callback.CallbackApi}),
 * the read-only report server ({@link io.batchjob.http.report.ReportServer}) and the health probes
 * ({@link io.batchjob.http.health.HealthEndpoints}), each served by an {@link io.batchjob.http.UndertowServer}.
 *
 * <h2>Threading</h2>
 * Routing runs on Undertow's IO threads and never blocks; every handler that reads a body or
 * touches the disk runs behind a {@link io.undertow.server.handlers.BlockingHandler} on the
 * worker pool. The callback API admits a bounded number of requests at once and queues a bounded
 * number more; beyond that it answers 503 with {@code Retry-After}. Bodies stream to disk in
 * small buffers, so memory use does not grow with upload sizes.
 */
package io.batchjob.http;

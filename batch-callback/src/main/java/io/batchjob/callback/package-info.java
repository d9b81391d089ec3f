/**
 * The HTTP surface on Undertow: the callback API jobs post to ({@link io.batchjob.callback.CallbackApi}),
 * the read-only report server ({@link io.batchjob.callback.ReportServer}) and the health probes
 * ({@link io.batchjob.callback.HealthEndpoints}), each served by an {@link io.batchjob.callback.UndertowServer}.
 *
 * <h2>Threading</h2>
 * Routing runs on Undertow's IO threads and never blocks; every handler that reads a body or
 * touches the disk runs behind a {@link io.undertow.server.handlers.BlockingHandler} on the
 * worker pool. The callback API admits a bounded number of requests at once and queues a bounded
 * number more; beyond that it answers 503 with {@code Retry-After}. Bodies stream to disk in
 * small buffers, so memory use does not grow with upload sizes.
 */
package io.batchjob.callback;

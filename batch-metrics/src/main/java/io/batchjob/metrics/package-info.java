/**
 * Prometheus metrics on prometheus-metrics 1.x: {@link io.batchjob.metrics.ResultMetrics} publishes
 * results and per-node outcomes under the configured prefix exactly as the Go controller did;
 * {@link io.batchjob.metrics.ControllerMetrics} publishes the controller's own operational metrics
 * under {@code batch_job_controller_}; {@link io.batchjob.metrics.MetricsServer} serves
 * {@code /metrics} with the library's scrape handler (text format and OpenMetrics by
 * {@code Accept}, gzip when asked).
 *
 * <p>Both metric classes are {@link io.batchjob.core.spi.ExecutionListener}s, so they are called
 * from the engine's single events thread; scrapes read the thread-safe metric objects
 * concurrently. The registry is passed in, never global.
 */
package io.batchjob.metrics;

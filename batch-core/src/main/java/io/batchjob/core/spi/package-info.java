/**
 * The service provider interfaces of the engine: what an embedder or a backend implements
 * ({@link io.batchjob.core.spi.NodeSource}, {@link io.batchjob.core.spi.JobBackend},
 * {@link io.batchjob.core.spi.ExecutionListener}, {@link io.batchjob.core.spi.JobEnvContributor})
 * and the immutable values that cross them. Nothing here depends on the engine's internals;
 * implementations never need to import {@code io.batchjob.core.execution}.
 */
package io.batchjob.core.spi;

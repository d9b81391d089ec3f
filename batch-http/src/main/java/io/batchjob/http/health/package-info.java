/** The health probes {@code /healthz} and {@code /readyz}, answered from registered health checks. */
package io.batchjob.http.health;

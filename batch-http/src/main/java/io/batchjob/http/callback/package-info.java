/**
 * The callback API jobs post to (SPEC section 5): {@link io.batchjob.http.callback.CallbackApi} routes
 * {@code POST [/job/<secret>]/report/<node>/<executionID>/result|file|event}; each endpoint is a chain of
 * handlers wrapping the next — the job named by the path, {@code LeaderOnly} (a replica that may not
 * write relays to the leader through {@link io.batchjob.http.callback.CallbackRelay} or answers 503),
 * {@code JobAuthentication} (path values, the job's secret, that it runs), {@code JobSlots} (a few
 * requests per job at once) — before the endpoint reads a body.
 */
package io.batchjob.http.callback;

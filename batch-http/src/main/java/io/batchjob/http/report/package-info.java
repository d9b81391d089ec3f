/**
 * The read-only report server: the report directory as the Go controller serves it, the dashboard
 * (executions, nodes × executions, without JavaScript; {@code dashboard.js} only adds live updates) and
 * the status API {@code /api/executions}.
 */
package io.batchjob.http.report;

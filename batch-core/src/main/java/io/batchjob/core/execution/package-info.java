/**
 * The execution engine: triggers, bounded dispatch, job outcomes, summaries and resume.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link io.batchjob.core.execution.ExecutionEngine}: life cycle (activate, deactivate,
 *   close), trigger decisions, and which execution runs; the public face for callbacks and
 *   status.</li>
 *   <li>{@code ExecutionStarter}: prepares a new execution (nodes, plan, clean-up, history).</li>
 *   <li>{@code ExecutionRun}: runs one execution on the settings it started with (pool size,
 *   job timeout): dispatch, job ends, timeouts, replacement, its summary; the execution's life is an
 *   {@code ExecutionState} (running, finishing, stopped).</li>
 *   <li>The records of each execution go through the SPI {@link io.batchjob.core.spi.ExecutionRecords}
 *   (plan, journal, accepted results, summary; {@link io.batchjob.core.execution.FileExecutionRecords}
 *   by default); {@code Resumption} rebuilds an unfinished execution from them
 *   ({@link io.batchjob.core.execution.RecordedExecution}), the status API and the dashboard read
 *   them.</li>
 *   <li>{@link io.batchjob.core.execution.JobCallbacks}: what the callback API asks of the running
 *   execution (job checks, secrets, result admission, file ownership).</li>
 *   <li>{@link io.batchjob.core.execution.ExecutionStatus}: the status API's view, the running
 *   execution live, the others from their records.</li>
 *   <li>{@code EngineEvents}: the events thread; {@code ResultBacklog} and
 *   {@link io.batchjob.core.execution.ResultAdmission}: the bounded hand-off of results to it.</li>
 * </ul>
 *
 * <h2>Threading model</h2>
 * <ul>
 *   <li><b>State ownership.</b> The engine owns which execution is running (guarded by the
 *   engine's monitor). Each execution owns its jobs, its pending queue and its in-flight count
 *   (guarded by that execution's monitor, used only by its {@code ExecutionRun}). Both monitors
 *   are held only for short sections without IO or backend calls; the engine monitor is never
 *   acquired while holding an execution monitor, except to clear the running execution in the
 *   events thread, which holds no execution monitor then.</li>
 *   <li><b>Dispatch threads</b> (a fixed pool, default 4, independent of the number of nodes)
 *   call the backend: launch, stop, adopt. Backend calls never run under a monitor.</li>
 *   <li><b>One events thread</b> runs, in the order the state changed, the journal appends, the
 *   summary write and every {@link io.batchjob.core.spi.ExecutionListener} call. Notifications are
 *   queued while the execution's monitor is held, so a listener sees a job's result before its end
 *   and every job's end before the execution's end.</li>
 *   <li><b>Timer</b>: one {@link io.batchjob.core.schedule.TaskTimer} thread fires job timeouts;
 *   the timeout task only changes state and queues the stop.</li>
 *   <li><b>Callers</b>: triggers run on the caller's thread (preparing an execution does IO there,
 *   outside every monitor); backends report job ends from any thread, HTTP threads report results
 *   and verify secrets; these calls take an execution monitor briefly and never block otherwise.
 *   The result backlog has its own monitor, held briefly and never while taking another.</li>
 * </ul>
 * A job that ends frees its slot in the same call, and the next pending job is handed to a
 * dispatch thread right away: no polling, no thread per slot. A timed-out job keeps its slot until
 * the backend has stopped it, so the pool limit holds for what really runs.
 */
package io.batchjob.core.execution;

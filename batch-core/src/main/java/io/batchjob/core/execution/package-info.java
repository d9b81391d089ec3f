/**
 * The execution engine: triggers, bounded dispatch, job outcomes, summaries and resume.
 *
 * <h2>Threading model</h2>
 * <ul>
 *   <li><b>State ownership.</b> {@link io.batchjob.core.execution.ExecutionEngine} owns which
 *   execution is running (guarded by the engine's monitor). Each execution owns its jobs, its
 *   pending queue and its in-flight count (guarded by that execution's monitor). Both monitors are
 *   held only for short sections without IO or backend calls; the engine monitor is never
 *   acquired while holding an execution monitor, except to clear the running execution in the
 *   events thread, which holds no execution monitor then.</li>
 *   <li><b>Dispatch threads</b> (a fixed pool, default 4, independent of the number of nodes)
 *   call the backend: launch, stop, adopt, clean-up. Backend calls never run under a monitor.</li>
 *   <li><b>One events thread</b> runs, in the order the state changed, the journal appends, the
 *   summary write and every {@link io.batchjob.core.spi.ExecutionListener} call. Notifications are
 *   queued while the execution's monitor is held, so a listener sees a job's result before its end
 *   and every job's end before the execution's end.</li>
 *   <li><b>Timer</b>: one {@link io.batchjob.core.schedule.TaskTimer} thread fires job timeouts;
 *   the timeout task only changes state and queues the stop.</li>
 *   <li><b>Callers</b>: backends report job ends from any thread, HTTP threads report results and
 *   verify secrets; these calls take an execution monitor briefly and never block otherwise.</li>
 * </ul>
 * A job that ends frees its slot in the same call, and the next pending job is handed to a
 * dispatch thread right away: no polling, no thread per slot. A timed-out job keeps its slot until
 * the backend has stopped it, so the pool limit holds for what really runs.
 */
package io.batchjob.core.execution;

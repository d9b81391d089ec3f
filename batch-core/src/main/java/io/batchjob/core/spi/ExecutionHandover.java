package io.batchjob.core.spi;

import io.batchjob.core.execution.ExecutionPlan;

import java.util.Optional;

/**
 * Keeps the plan of the execution that runs now where every replica can read it, so that a new
 * leader whose report directory does not have it (each replica with a ReadWriteOnce volume of its
 * own) can take the execution over: it adopts the job pods, starts what never started, and says in
 * the summary which results it could not see. The Kubernetes backend keeps it in a ConfigMap. With a
 * shared report directory the plan on the volume is used and this is only written.
 *
 * <p>Called by the leader only, and not while its writes are fenced; {@link #started} and
 * {@link #finished} may block for a remote call and fail without harm to the execution (a
 * takeover then starts from the report directory alone).
 */
public interface ExecutionHandover {

    /** Keeps nothing: a takeover needs the report directory (the default for embedders). */
    ExecutionHandover NONE = new ExecutionHandover() {
        @Override
        public void started(ExecutionPlan plan) {
        }

        @Override
        public void finished(String executionId) {
        }

        @Override
        public Optional<ExecutionPlan> unfinished() {
            return Optional.empty();
        }
    };

    /** An execution started (its plan is written to the report directory). */
    void started(ExecutionPlan plan);

    /** The execution finished (its summary is written). */
    void finished(String executionId);

    /** The plan of the execution a leader started and did not finish; empty when there is none. */
    Optional<ExecutionPlan> unfinished();
}

package io.batchjob.core.spi;

import java.util.List;

/**
 * Runs jobs: one per node and execution. The Kubernetes backend creates pods; an embedder may run
 * processes, remote calls, anything that ends. Every implementation must pass the contract test
 * {@code io.batchjob.core.spi.JobBackendContractTest} from the {@code batch-core} test-jar.
 *
 * <p>Threading: the engine calls these methods from its own bounded dispatch threads, never
 * while holding its locks, so they may block for remote calls. Backends report ends through the
 * {@link JobEndListener} from any thread.
 */
public interface JobBackend {

    /**
     * Starts a job. Returns once the job exists (e.g. the pod was created); it need not have
     * started running. The backend calls {@code listener} once when the job ends, possibly before
     * this method returns.
     *
     * @throws JobLaunchException when the job cannot be created, including when a job for the same
     *                            execution, node and {@linkplain JobRequest#attempt() attempt} already
     *                            exists (a job is never created twice); an earlier attempt of the node
     *                            that has ended does not stop a later one
     */
    void launch(JobRequest request, JobEndListener listener) throws JobLaunchException;

    /**
     * Watches a job found by {@link #existingJobs()} after a restart. The backend calls
     * {@code listener} once when it ends, at once if it has ended already.
     */
    void adopt(ExistingJob job, JobEndListener listener);

    /**
     * @return the jobs of this controller that still exist, of every execution (ended ones too, while
     *         they exist), each with its attempt
     */
    List<ExistingJob> existingJobs();

    /**
     * Stops and removes a job (timeout). After it returns the job no longer runs; whether its
     * listener is still called does not matter to the engine. Unknown jobs are ignored.
     */
    void stop(String executionId, String node);

    /**
     * Stops and removes one attempt of a node's job; as {@link #stop(String, String)} for backends
     * that keep one job per node (the default).
     */
    default void stop(String executionId, String node, int attempt) {
        stop(executionId, node);
    }

    /**
     * Removes every job of this controller that does not belong to {@code executionId}; called
     * before a new execution dispatches, when no other execution runs.
     */
    void deleteJobsExcept(String executionId);
}

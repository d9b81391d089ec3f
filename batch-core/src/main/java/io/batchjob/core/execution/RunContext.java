package io.batchjob.core.execution;

import io.batchjob.core.report.ReportStore;
import io.batchjob.core.schedule.TaskTimer;
import io.batchjob.core.spi.ExecutionRecords;
import io.batchjob.core.spi.JobBackend;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * What every {@link ExecutionRun} of an engine shares: the backend and the threads, and the
 * settings one run is started with. The settings are a snapshot: a config reloaded while an
 * execution runs applies from the next execution on.
 *
 * @param backend     creates, stops and adopts jobs (called from dispatch threads only)
 * @param environment builds each job's environment
 * @param timer       fires job timeouts
 * @param dispatch    the bounded pool of threads that call the backend
 * @param events      the events thread
 * @param store       the report directory
 * @param records     the engine's records of each execution
 * @param clock       time
 */
record RunContext(JobBackend backend, JobEnvironment environment, TaskTimer timer, Executor dispatch, EngineEvents events,
                  ReportStore store, ExecutionRecords records, Clock clock) {

    /**
     * The settings of one execution.
     *
     * @param poolSize   jobs at once
     * @param jobTimeout the per-job limit, or null for none
     * @param retries    how often a node's job is started again after an attempt that did not succeed
     */
    record Settings(int poolSize, Duration jobTimeout, io.batchjob.core.config.JobRetries retries) {
        Settings {
            if (poolSize < 1) {
                throw new IllegalArgumentException("poolSize must be at least 1");
            }
            java.util.Objects.requireNonNull(retries, "retries");
        }

        Settings(int poolSize, Duration jobTimeout) {
            this(poolSize, jobTimeout, io.batchjob.core.config.JobRetries.NONE);
        }
    }

    /** The dispatch threads: a fixed pool, independent of the number of nodes. */
    static java.util.concurrent.ThreadPoolExecutor dispatchPool(int threads) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return new java.util.concurrent.ThreadPoolExecutor(threads, threads, 0, java.util.concurrent.TimeUnit.MILLISECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "batch-dispatch-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }
}

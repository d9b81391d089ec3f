package io.batchjob.examples.embedded;

import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEndListener;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobRequest;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The smallest useful backend: each job is a Java function run on a small thread pool. Jobs live
 * only in this process, so there is nothing to adopt after a restart.
 */
final class InProcessBackend implements JobBackend, AutoCloseable {

    private final Function<JobRequest, JobEnd> work;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final Map<String, Future<?>> running = new ConcurrentHashMap<>();

    InProcessBackend(Function<JobRequest, JobEnd> work) {
        this.work = work;
    }

    @Override
    public void launch(JobRequest request, JobEndListener listener) throws JobLaunchException {
        String key = request.executionId() + "/" + request.node();
        if (running.containsKey(key)) {
            throw new JobLaunchException("job " + key + " is already running");
        }
        running.put(key, pool.submit(() -> {
            JobEnd end;
            try {
                end = work.apply(request);
            } catch (RuntimeException e) {
                end = JobEnd.failed(e.toString());
            }
            running.remove(key);
            listener.jobEnded(end);
        }));
    }

    @Override
    public void adopt(ExistingJob job, JobEndListener listener) {
        listener.jobEnded(JobEnd.failed("in-process jobs do not survive a restart"));
    }

    @Override
    public List<ExistingJob> existingJobs() {
        return List.of();
    }

    @Override
    public void stop(String executionId, String node) {
        Future<?> f = running.remove(executionId + "/" + node);
        if (f != null) {
            f.cancel(true);
        }
    }

    @Override
    public void deleteJobsExcept(String executionId) {
        running.keySet().removeIf(key -> !key.startsWith(executionId + "/"));
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}

package io.batchjob.bench;

import io.batchjob.core.spi.JobEndListener;
import io.batchjob.core.spi.JobRequest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A backend whose jobs run until the benchmark ends: launching only records the request, so the
 * benchmark can post as each node's job with that job's callback secret. (The engine's in-memory
 * test backend lives in batch-core's test-jar, which no main code may depend on.)
 */
final class HeldJobsBackend extends EngineDispatchBenchmark.EndOnlyBackend {

    private final Map<String, JobRequest> requests = new ConcurrentHashMap<>();
    private final CountDownLatch launched;

    HeldJobsBackend(int jobs) {
        this.launched = new CountDownLatch(jobs);
    }

    /** Waits until the expected number of jobs was launched. */
    void awaitLaunched() throws InterruptedException {
        if (!launched.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(launched.getCount() + " jobs were not launched within 60 s");
        }
    }

    /** The request the engine launched for {@code node}. */
    JobRequest request(String node) {
        JobRequest request = requests.get(node);
        if (request == null) {
            throw new IllegalStateException("no job was launched for " + node);
        }
        return request;
    }

    @Override
    public void launch(JobRequest request, JobEndListener listener) {
        requests.put(request.node(), request);
        launched.countDown();
    }
}

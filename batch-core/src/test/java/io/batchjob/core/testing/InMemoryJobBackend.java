package io.batchjob.core.testing;

import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEndListener;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobRequest;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The reference {@link JobBackend}: jobs live in memory and run a {@link JobScript} on a small
 * fixed pool of threads. It counts how many jobs run at once and how often each job was
 * launched, so tests can check the engine's pool limit and that nothing runs twice. Jobs stay
 * listed after they end (like finished pods) until {@link #deleteJobsExcept} or {@link #stop}.
 */
public final class InMemoryJobBackend implements JobBackend, AutoCloseable {

    /** What a job does. Runs on a backend thread; may call back into the engine like a real job. */
    @FunctionalInterface
    public interface JobScript {
        /** @return how the job ends, or empty to keep it running until stopped or ended by hand */
        Optional<JobEnd> run(JobRequest request) throws Exception;
    }

    private final JobScript script;
    private final Clock clock;
    private final ExecutorService runner;
    private volatile Predicate<JobRequest> refuseLaunch = r -> false;
    private final Map<String, Entry> jobs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> launches = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    public InMemoryJobBackend(JobScript script) {
        this(script, Clock.systemUTC(), 4);
    }

    public InMemoryJobBackend(JobScript script, Clock clock, int threads) {
        this.script = script;
        this.clock = clock;
        this.runner = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "in-memory-job");
            t.setDaemon(true);
            return t;
        });
    }

    /** A backend whose jobs run until ended by hand ({@link #end}) or stopped. */
    public static InMemoryJobBackend manual() {
        return new InMemoryJobBackend(r -> Optional.empty());
    }

    /** Launches matching this predicate fail with a {@link JobLaunchException}. */
    public InMemoryJobBackend refuseLaunchWhen(Predicate<JobRequest> predicate) {
        this.refuseLaunch = predicate;
        return this;
    }

    @Override
    public void launch(JobRequest request, JobEndListener listener) throws JobLaunchException {
        String key = key(request.executionId(), request.node());
        if (refuseLaunch.test(request)) {
            throw new JobLaunchException("refused by the test backend");
        }
        Entry entry = new Entry(request, request.callbackSecret(), clock.instant());
        entry.listener = listener;
        // One entry per node: the latest attempt. A later attempt replaces an ended earlier one; an attempt
        // launched again, or beside one still running, is refused (the engine must never do either).
        Entry[] refused = new Entry[1];
        jobs.compute(key, (k, old) -> {
            if (old == null || (old.request.attempt() < request.attempt() && old.hasEnded())) {
                return entry;
            }
            refused[0] = old;
            return old;
        });
        if (refused[0] != null) {
            throw new JobLaunchException("a job for node " + request.node() + " in execution " + request.executionId() + " already exists"
                    + " (attempt " + refused[0].request.attempt() + (refused[0].hasEnded() ? ", ended" : ", running") + ")");
        }
        launches.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        peak.accumulateAndGet(running.incrementAndGet(), Math::max);
        runner.execute(() -> {
            Optional<JobEnd> end;
            try {
                end = script.run(request);
            } catch (Exception e) {
                end = Optional.of(JobEnd.failed("script threw " + e));
            }
            end.ifPresent(e -> finish(entry, e));
        });
    }

    @Override
    public void adopt(ExistingJob job, JobEndListener listener) {
        Entry entry = jobs.get(key(job.executionId(), job.node()));
        if (entry == null || entry.request.attempt() != job.attempt()) {
            listener.jobEnded(JobEnd.failed("the job no longer exists"));
            return;
        }
        JobEnd end;
        synchronized (entry) {
            entry.listener = listener;
            end = entry.end;
        }
        if (end != null) {
            listener.jobEnded(end);
        }
    }

    @Override
    public List<ExistingJob> existingJobs() {
        List<ExistingJob> list = new ArrayList<>();
        jobs.values().forEach(e -> list.add(new ExistingJob(e.request.executionId(), e.request.node(), e.secret, e.createdAt,
                e.request.attempt(), e.endNow())));
        return list;
    }

    @Override
    public void stop(String executionId, String node) {
        Entry entry = jobs.remove(key(executionId, node));
        if (entry != null) {
            finish(entry, JobEnd.failed("stopped"));
        }
    }

    @Override
    public void stop(String executionId, String node, int attempt) {
        Entry entry = jobs.get(key(executionId, node));
        if (entry != null && entry.request.attempt() == attempt && jobs.remove(key(executionId, node), entry)) {
            finish(entry, JobEnd.failed("stopped"));
        }
    }

    @Override
    public void deleteJobsExcept(String executionId) {
        jobs.values().removeIf(e -> {
            if (e.request.executionId().equals(executionId)) {
                return false;
            }
            finish(e, JobEnd.failed("deleted"));
            return true;
        });
    }

    /** Ends a running job by hand, as a kubelet would. */
    public void end(String executionId, String node, JobEnd end) {
        Entry entry = jobs.get(key(executionId, node));
        if (entry == null) {
            throw new IllegalArgumentException("no job for node " + node + " in execution " + executionId);
        }
        finish(entry, end);
    }

    /** Forgets the listeners, as if the controller that launched the jobs died. Jobs keep running. */
    public void detachListeners() {
        jobs.values().forEach(e -> {
            synchronized (e) {
                e.listener = null;
            }
        });
    }

    /** Jobs running now (launched, not ended). */
    public int running() {
        return running.get();
    }

    /** The most jobs that ever ran at once. */
    public int peakRunning() {
        return peak.get();
    }

    /** How often a job for this execution and node was launched. */
    public int launchCount(String executionId, String node) {
        AtomicInteger n = launches.get(key(executionId, node));
        return n == null ? 0 : n.get();
    }

    /** Total launches. */
    public int totalLaunches() {
        return launches.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Nodes of running (not ended) jobs of an execution. */
    public List<String> runningNodes(String executionId) {
        return jobs.values().stream()
                .filter(e -> e.request.executionId().equals(executionId))
                .filter(e -> {
                    synchronized (e) {
                        return e.end == null;
                    }
                })
                .map(e -> e.request.node()).toList();
    }

    /** The request the latest attempt of a job was launched with. */
    public Optional<JobRequest> request(String executionId, String node) {
        return Optional.ofNullable(jobs.get(key(executionId, node))).map(e -> e.request);
    }

    private void finish(Entry entry, JobEnd end) {
        JobEndListener listener;
        synchronized (entry) {
            if (entry.end != null) {
                return;
            }
            entry.end = end;
            listener = entry.listener;
        }
        // Counted down before telling the engine, so the engine's next launch sees the freed slot.
        running.decrementAndGet();
        if (listener != null) {
            listener.jobEnded(end);
        }
    }

    @Override
    public void close() {
        runner.shutdownNow();
        try {
            runner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String key(String executionId, String node) {
        return executionId + "/" + node;
    }

    private static final class Entry {
        final JobRequest request;
        final String secret;
        final Instant createdAt;
        JobEndListener listener;
        JobEnd end;

        Entry(JobRequest request, String secret, Instant createdAt) {
            this.request = request;
            this.secret = secret;
            this.createdAt = createdAt;
        }

        synchronized boolean hasEnded() {
            return end != null;
        }

        synchronized JobEnd endNow() {
            return end;
        }
    }
}

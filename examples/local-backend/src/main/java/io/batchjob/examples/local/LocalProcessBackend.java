package io.batchjob.examples.local;

import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEndListener;
import io.batchjob.core.spi.JobLaunchException;
import io.batchjob.core.spi.JobRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link JobBackend} without Kubernetes: each job is a local OS process running the configured
 * command with exactly the job pod environment ({@code NODE_NAME}, {@code EXECUTION_ID}, the
 * {@code CALLBACK_SERVICE_*_URL}s, ...), so the same callback script works here and in a pod. The
 * exit code decides the outcome; the output is saved like a container log,
 * {@code <node>-container-job.log}. The engine's pool limit bounds how many processes run. Like
 * finished pods, ended jobs stay listed until {@link #stop} or {@link #deleteJobsExcept} removes them.
 */
public final class LocalProcessBackend implements JobBackend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalProcessBackend.class);

    private final List<String> command;
    private final Map<String, String> baseEnv;
    private final ReportStore logs;
    private final Path scratch;
    private final Map<String, Running> jobs = new ConcurrentHashMap<>();

    private static final class Running {
        final JobRequest request;
        final Process process;
        final Instant startedAt = Instant.now();
        final AtomicBoolean ended = new AtomicBoolean();
        volatile JobEnd end;
        volatile JobEndListener listener;

        Running(JobRequest request, Process process, JobEndListener listener) {
            this.request = request;
            this.process = process;
            this.listener = listener;
        }
    }

    /**
     * @param command the job's command, e.g. {@code [sh, -c, "..."]}
     * @param baseEnv variables every job gets besides the job environment (e.g. {@code PATH})
     * @param logs    where outputs are saved, or {@code null} to discard them
     */
    public LocalProcessBackend(List<String> command, Map<String, String> baseEnv, ReportStore logs) throws IOException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("the job command must not be empty");
        }
        this.command = List.copyOf(command);
        this.baseEnv = Map.copyOf(baseEnv);
        this.logs = logs;
        this.scratch = Files.createTempDirectory("local-jobs");
    }

    @Override
    public void launch(JobRequest request, JobEndListener listener) throws JobLaunchException {
        String key = key(request.executionId(), request.node());
        Running earlier = jobs.get(key);
        // A later attempt may follow an ended one; never the same attempt twice, never two at once.
        if (earlier != null && (earlier.request.attempt() >= request.attempt() || !earlier.ended.get())) {
            throw new JobLaunchException("a job for node " + request.node() + " in execution " + request.executionId() + " already exists");
        }
        Path output = scratch.resolve(request.executionId() + "-" + Integer.toHexString(request.node().hashCode()) + ".out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().clear();
        pb.environment().putAll(baseEnv);
        pb.environment().putAll(request.environment());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new JobLaunchException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
        Running r = new Running(request, process, listener);
        jobs.put(key, r);
        // The JDK waits for the exit; we get called once, on its thread.
        process.onExit().thenAccept(p -> {
            saveOutput(request, output);
            int code = p.exitValue();
            end(key, r, code == 0 ? JobEnd.succeeded() : JobEnd.failed("exit code " + code));
        });
    }

    private void saveOutput(JobRequest request, Path output) {
        try {
            if (logs != null && Files.exists(output)) {
                try (InputStream in = Files.newInputStream(output)) {
                    logs.write(request.executionId(), request.node() + "-container-job.log", in, Long.MAX_VALUE);
                }
            }
            Files.deleteIfExists(output);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot save the output of the job on {}: {}", request.node(), e.toString());
        }
    }

    private void end(String key, Running r, JobEnd end) {
        if (r.ended.compareAndSet(false, true)) {
            r.end = end;
            JobEndListener l = r.listener;
            if (l != null) {
                l.jobEnded(end);
            }
        }
    }

    @Override
    public void adopt(ExistingJob job, JobEndListener listener) {
        Running r = jobs.get(key(job.executionId(), job.node()));
        if (r == null || r.request.attempt() != job.attempt()) {
            listener.jobEnded(JobEnd.failed("the process is gone"));
            return;
        }
        r.listener = listener;
        JobEnd end = r.end;
        if (end != null) {
            listener.jobEnded(end);
        }
    }

    @Override
    public List<ExistingJob> existingJobs() {
        List<ExistingJob> list = new ArrayList<>();
        jobs.values().forEach(r -> list.add(new ExistingJob(r.request.executionId(), r.request.node(), r.request.callbackSecret(), r.startedAt,
                r.request.attempt(), r.end)));
        return list;
    }

    @Override
    public void stop(String executionId, String node) {
        Running r = jobs.remove(key(executionId, node));
        if (r != null) {
            r.ended.set(true);
            kill(r.process);
        }
    }

    @Override
    public void stop(String executionId, String node, int attempt) {
        Running r = jobs.get(key(executionId, node));
        if (r != null && r.request.attempt() == attempt && jobs.remove(key(executionId, node), r)) {
            r.ended.set(true);
            kill(r.process);
        }
    }

    @Override
    public void deleteJobsExcept(String executionId) {
        jobs.forEach((key, r) -> {
            if (!r.request.executionId().equals(executionId)) {
                stop(r.request.executionId(), r.request.node());
            }
        });
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    @Override
    public void close() {
        jobs.values().forEach(r -> kill(r.process));
        jobs.clear();
    }

    private static String key(String executionId, String node) {
        return executionId + "/" + node;
    }
}

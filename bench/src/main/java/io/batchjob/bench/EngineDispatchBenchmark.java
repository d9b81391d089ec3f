package io.batchjob.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.execution.StaticNodeSource;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.ExistingJob;
import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEndListener;
import io.batchjob.core.spi.JobRequest;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Engine dispatch through the SPI: N nodes, pool P, every job ends {@code d} after it was launched
 * (an in-memory backend ending jobs on a timer). Reports the makespan against the ideal
 * {@code ceil(N/P)*d}, controller CPU seconds per 1,000 jobs, heap after GC while an execution
 * is in full swing (P jobs in flight, N - P pending; in a separate pass whose jobs wait until the
 * heap is read, so the GC does not disturb the timed pass) against the heap before its trigger, and what the Go
 * controller's design would give: its workers notice an ended job by sleep-polling once a second,
 * so each job holds its slot for {@code d} plus on average half a second (model:
 * {@code ceil(N/P)*(d + 0.5 s)}, worst case {@code + 1 s}).
 *
 * <p>Run: {@code bench/run.sh} (writes {@code bench/results/engine-dispatch.json}).
 */
public final class EngineDispatchBenchmark {

    /** Nothing to adopt, stop or clean up: the benchmark backends only decide when a launched job ends. */
    abstract static class EndOnlyBackend implements JobBackend {
        @Override
        public void adopt(ExistingJob job, JobEndListener listener) {
            listener.jobEnded(JobEnd.failed("not adoptable"));
        }

        @Override
        public List<ExistingJob> existingJobs() {
            return List.of();
        }

        @Override
        public void stop(String executionId, String node) {
        }

        @Override
        public void deleteJobsExcept(String executionId) {
        }
    }

    /** Ends every job d after launch. */
    static final class TimedBackend extends EndOnlyBackend {
        private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        private final long nanos;

        TimedBackend(Duration d) {
            this.nanos = d.toNanos();
        }

        @Override
        public void launch(JobRequest request, JobEndListener listener) {
            timer.schedule(() -> listener.jobEnded(JobEnd.succeeded()), nanos, TimeUnit.NANOSECONDS);
        }

        void close() {
            timer.shutdownNow();
        }
    }

    /** Holds every job until released, so the heap can be read with the pool full; then ends them all. */
    static final class HoldingBackend extends EndOnlyBackend {
        private final List<JobEndListener> held = new ArrayList<>();
        private final java.util.concurrent.CountDownLatch full;
        private boolean released;

        HoldingBackend(int pool) {
            this.full = new java.util.concurrent.CountDownLatch(pool);
        }

        @Override
        public void launch(JobRequest request, JobEndListener listener) {
            synchronized (this) {
                if (!released) {
                    held.add(listener);
                    full.countDown();
                    return;
                }
            }
            listener.jobEnded(JobEnd.succeeded());
        }

        void awaitFull() throws InterruptedException {
            if (!full.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the pool did not fill");
            }
        }

        void release() {
            List<JobEndListener> toEnd;
            synchronized (this) {
                released = true;
                toEnd = List.copyOf(held);
                held.clear();
            }
            toEnd.forEach(l -> l.jobEnded(JobEnd.succeeded()));
        }
    }

    /** An engine over nodes node-0 .. node-(n-1) with pool p, writing its reports under reports. */
    private static ExecutionEngine engine(int n, int p, JobBackend backend, Path reports) {
        ControllerConfig config = ControllerConfig.builder("bench").podPoolSize(p).jobTimeout(Duration.ofHours(1))
                .cronExpression("").reportDirectory(reports).reportHistory(0).build();
        List<String> nodes = IntStream.range(0, n).mapToObj(i -> "node-" + i).toList();
        return ExecutionEngine.builder().config(config).nodeSource(new StaticNodeSource(nodes)).backend(backend)
                .reportStore(new ReportStore(reports))
                .jobEnvironment(new JobEnvironment("bench", new CallbackEndpoint("127.0.0.1", 8090), CallbackAuth.TOKEN, List.of()))
                .build();
    }

    /** Heap after GC before the trigger and with the execution in full swing: {before, running} in bytes. */
    private static long[] heapWhileRunning(int n, int p) throws Exception {
        Path reports = Files.createTempDirectory("bench-reports");
        HoldingBackend backend = new HoldingBackend(p);
        try (ExecutionEngine engine = engine(n, p, backend, reports)) {
            engine.activate();
            long before = Measure.heapAfterGc();
            TriggerOutcome.Started started = (TriggerOutcome.Started) engine.trigger("bench");
            backend.awaitFull();
            long running = Measure.heapAfterGc();
            backend.release();
            started.completion().get(30, TimeUnit.MINUTES);
            return new long[]{before, running};
        } finally {
            Measure.deleteTree(reports);
        }
    }

    public static void main(String[] args) throws Exception {
        Duration d = Duration.ofMillis(args.length > 0 ? Long.parseLong(args[0]) : 5);
        Path out = Path.of(args.length > 1 ? args[1] : "bench/results/engine-dispatch.json");
        int[] ns = {1_000, 10_000, 100_000};
        int[] ps = {10, 100, 1_000};
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf("engine dispatch, in-memory backend, d = %d ms, %d cores, java %s%n", d.toMillis(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        System.out.printf("%8s %6s %10s %10s %8s %12s %14s %14s %10s%n", "N", "P", "ideal s", "makespan s", "ratio", "cpu s/1000",
                "heap before MiB", "heap during MiB", "go model s");
        run(100, 10, d, os, false); // warm-up
        for (int n : ns) {
            for (int p : ps) {
                Map<String, Object> row = run(n, p, d, os, true);
                long[] heap = heapWhileRunning(n, p);
                row.put("heapAfterGcBeforeTriggerMiB", heap[0] / 1048576.0);
                row.put("heapAfterGcWhileRunningMiB", heap[1] / 1048576.0);
                rows.add(row);
                System.out.printf("%8d %6d %10.2f %10.2f %8.3f %12.4f %14.1f %14.1f %10.1f%n", n, p, row.get("idealSeconds"),
                        row.get("makespanSeconds"), row.get("ratio"), row.get("cpuSecondsPer1000Jobs"), row.get("heapAfterGcBeforeTriggerMiB"),
                        row.get("heapAfterGcWhileRunningMiB"), row.get("goModelSeconds"));
            }
        }
        Files.createDirectories(out.getParent());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("benchmark", "engine-dispatch");
        doc.put("jobDurationMillis", d.toMillis());
        doc.put("cores", Runtime.getRuntime().availableProcessors());
        doc.put("java", System.getProperty("java.version"));
        doc.put("goModel", "each job holds its slot for d plus the 1 s sleep-poll of its worker, 0.5 s on average: ceil(N/P)*(d+0.5s)");
        doc.put("results", rows);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), doc);
        System.out.println("written " + out);
    }

    private static Map<String, Object> run(int n, int p, Duration d, com.sun.management.OperatingSystemMXBean os, boolean measure)
            throws Exception {
        Path reports = Files.createTempDirectory("bench-reports");
        TimedBackend backend = new TimedBackend(d);
        try (ExecutionEngine engine = engine(n, p, backend, reports)) {
            engine.activate();
            System.gc();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            TriggerOutcome.Started started = (TriggerOutcome.Started) engine.trigger("bench");
            ExecutionSummary summary = started.completion().get(30, TimeUnit.MINUTES);
            long makespan = System.nanoTime() - t0;
            long cpu = os.getProcessCpuTime() - cpu0;
            // The jobs send no result (this figure is about dispatch), so they end as NO_REPORT.
            if (summary.jobs().size() != n || summary.jobs().stream().anyMatch(j -> j.outcome() != io.batchjob.core.spi.JobOutcome.NO_REPORT)) {
                throw new IllegalStateException("unexpected summary for N=" + n);
            }
            double waves = Math.ceil((double) n / p);
            double ideal = waves * d.toNanos() / 1e9;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("nodes", n);
            row.put("pool", p);
            row.put("idealSeconds", ideal);
            row.put("makespanSeconds", makespan / 1e9);
            row.put("ratio", (makespan / 1e9) / ideal);
            row.put("cpuSecondsPer1000Jobs", cpu / 1e9 / n * 1000);
            row.put("goModelSeconds", waves * (d.toNanos() / 1e9 + 0.5));
            row.put("goModelRatio", waves * (d.toNanos() / 1e9 + 0.5) / ideal);
            return row;
        } finally {
            backend.close();
            Measure.deleteTree(reports);
        }
    }
}

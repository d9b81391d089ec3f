package io.batchjob.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.k8s.JobLabels;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ListMetaBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Memory at scale of the <b>running controller</b>: the packaged {@code batch-job-controller.jar} as
 * its own process (JVM options as in the image), against fabric8's mock API server in this
 * process with 5,000 Ready nodes. A minimal kubelet here answers every job pod like a job would:
 * it POSTs a result ({@value #GAUGES} gauges with 3 labels) to the pod's own callback URL with the
 * pod's credentials, then marks the pod Succeeded. The controller runs back-to-back scheduled
 * executions ({@code @every 1s}, overlaps skipped) until 31 have finished; the kubelet leaves the
 * 32nd execution's pods Pending, so the controller is measured in a steady state: 31 finished
 * executions of metrics and reports (history 32) plus one running execution with a full pool.
 *
 * <p>Heap after GC comes from {@code jcmd GC.run} + {@code GC.heap_info}, RSS from
 * {@code /proc/<pid>/status}, before and after 10 {@code /metrics} scrapes in a row (a scrape of this size
 * allocates far more than the live set, and the heap grown for it stays resident). Baseline, same
 * run: the same jar, config and cluster, started without a schedule and measured the same way once
 * ready. The figures are checked: every held execution's summary must show all nodes succeeded.
 */
final class ControllerMemoryBenchmark {

    static final int GAUGES = 3;
    // Overridable (-Dbench.nodes, -Dbench.executions) only to try the harness quickly; the figures use the defaults.
    private static final int NODES = Integer.getInteger("bench.nodes", 5_000);
    private static final int EXECUTIONS = Integer.getInteger("bench.executions", 31);
    private static final int POOL = 200;
    /** Executions before the steady-state CPU figure starts (JIT compilation mostly happens in them). */
    private static final int WARM_UP = Math.min(5, EXECUTIONS / 2);
    /** Scrapes in a row of the loaded controller. */
    private static final int SCRAPES = 10;
    /** A max heap for the controller (e.g. 768m: what MaxRAMPercentage=75 gives in a pod limited to 1 GiB); default none. */
    static final String CONTROLLER_XMX = System.getProperty("bench.controllerXmx");
    /** Where the work directory with the report directory goes (e.g. /dev/shm); default the temp directory. */
    static final String REPORTS_UNDER = System.getProperty("bench.reports");
    private static final String NS = "bench";
    private static final String CONFIG_MAP = "bench-config";
    private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K");

    private final KubernetesClient client;
    private final Path work;
    private final Path jar;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private ControllerMemoryBenchmark(KubernetesClient client, Path work, Path jar) {
        this.client = client;
        this.work = work;
        this.jar = jar;
    }

    static void run(Path out) throws Exception {
        Path jar = Path.of("batch-app", "target", "batch-job-controller.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing; bench/run.sh builds it");
        }
        TimedMockApiServer mock = new TimedMockApiServer(Map.of("/api/v1/nodes", Serialization.asJson(nodes())));
        KubernetesMockServer server = mock.server();
        AtomicLong insideMock = mock.nanosInside;
        // -Dbench.reports=/dev/shm: report directory (and logs) on tmpfs, to see the controller's CPU without this machine's disk.
        Path work = REPORTS_UNDER == null ? Files.createTempDirectory("bench-controller-memory")
                : Files.createTempDirectory(Path.of(REPORTS_UNDER), "bench-controller-memory");
        // Ctrl-C on the benchmark must not leave a controller process behind.
        Thread reaper = new Thread(() -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly), "reap-controller");
        Runtime.getRuntime().addShutdownHook(reaper);
        try (KubernetesClient client = server.createClient()) {
            System.out.printf("memory at scale of the running controller (%s as its own process), %d nodes x %d executions, %d cores%n",
                    jar.getFileName(), NODES, EXECUTIONS, Runtime.getRuntime().availableProcessors());
            new ControllerMemoryBenchmark(client, work, jar).measure(out, insideMock);
            Measure.deleteTree(work);
        } catch (Exception | Error e) {
            System.err.println("kept the controller logs and reports for inspection in " + work);
            throw e;
        } finally {
            server.destroy();
            Runtime.getRuntime().removeShutdownHook(reaper);
        }
    }

    private void measure(Path out, AtomicLong insideMock) throws Exception {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();

        // Baseline: the same controller, idle (no schedule), once ready.
        Ports basePorts = Ports.free();
        writeConfig("\"\"", basePorts);
        Process idle = startController("baseline", basePorts);
        Map<String, Object> baseline;
        try {
            awaitReady(idle, basePorts);
            baseline = sample(idle);
            countSeries(basePorts);
            baseline.put("rssAfterOneScrapeMiB", sample(idle).get("rssMiB"));
        } finally {
            stop(idle);
        }
        client.leases().inNamespace(NS).delete();

        Ports ports = Ports.free();
        writeConfig("\"@every 1s\"", ports);
        JobAnsweringKubelet kubelet = new JobAnsweringKubelet(client, http, NS, EXECUTIONS, GAUGES);
        Process controller = startController("loaded", ports);
        Map<String, Object> loaded;
        long started = System.nanoTime();
        long mock0 = insideMock.get();
        double cpuAtReady;
        AtomicReference<Double> cpuWarm = new AtomicReference<>();
        Map<String, Double> threadsAtReady;
        try (SharedIndexInformer<Pod> ignored = client.pods().inNamespace(NS).inform(kubelet, 0)) {
            awaitReady(controller, ports);
            String pid = Long.toString(controller.pid());
            cpuAtReady = ProcStats.cpuSeconds(pid);
            threadsAtReady = ProcStats.threadCpu(pid);
            kubelet.afterExecutions(WARM_UP, () -> {
                try {
                    cpuWarm.set(ProcStats.cpuSeconds(pid));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            while (!kubelet.done.await(10, TimeUnit.SECONDS)) {
                if (!controller.isAlive()) {
                    throw new IllegalStateException("the controller exited: " + tail(controller));
                }
                if (kubelet.failure.get() != null) {
                    throw new IllegalStateException("the kubelet failed", kubelet.failure.get());
                }
                System.out.printf("  ... %d executions finished, %d results posted, %.0f s%n", kubelet.finishedExecutions(),
                        kubelet.posted.get(), (System.nanoTime() - started) / 1e9);
            }
            double feedSeconds = (System.nanoTime() - started) / 1e9;
            double feedCpu = ProcStats.cpuSeconds(pid) - cpuAtReady;
            Map<String, Double> feedByThreads = ProcStats.perJob(ProcStats.threadCpu(pid), threadsAtReady, (double) NODES * EXECUTIONS);
            // The 32nd execution has started; wait until its full pool of pods exists (they stay Pending).
            List<String> ids = kubelet.executionIds();
            String running = ids.get(EXECUTIONS);
            waitFor(() -> client.pods().inNamespace(NS).withLabel(JobLabels.EXECUTION_ID, running).list().getItems().size() >= POOL,
                    Duration.ofMinutes(2), "the pool of the running execution");
            int finished = checkSummaries(ids.subList(0, EXECUTIONS));
            loaded = sample(controller);
            // Prometheus scrapes a running controller, again and again: SCRAPES scrapes in a row, each must see
            // every series, and the controller must still be there (with -Dbench.controllerXmx=768m: in the
            // heap a 1 GiB pod limit gives). RSS is reported before and after them.
            long series = -1;
            List<Double> scrapeSeconds = new ArrayList<>();
            for (int i = 0; i < SCRAPES; i++) {
                long t0 = System.nanoTime();
                long seen = countSeries(ports);
                scrapeSeconds.add((System.nanoTime() - t0) / 1e9);
                if (series >= 0 && seen != series) {
                    throw new IllegalStateException("scrape " + (i + 1) + " saw " + seen + " series, the first " + series);
                }
                if (!controller.isAlive()) {
                    throw new IllegalStateException("the controller exited during scrape " + (i + 1) + ": " + tail(controller));
                }
                series = seen;
            }
            Map<String, Object> afterScrapes = sample(controller);
            loaded.put("rssAfterOneScrapeMiB", afterScrapes.get("rssMiB"));
            loaded.put("scrapesInARow", SCRAPES);
            loaded.put("scrapeSeconds", scrapeSeconds);
            loaded.put("heapAfterGcAfterScrapesMiB", afterScrapes.get("heapAfterGcMiB"));
            loaded.put("executionsHeld", finished);
            loaded.put("seriesScraped", series);
            long[] disk = diskUsage(work.resolve("loaded-reports"));
            loaded.put("reportFiles", disk[0]);
            loaded.put("reportBytes", disk[1]);
            loaded.put("feedSeconds", feedSeconds);
            loaded.put("controllerCpuSecondsPer1000JobsWhileFeeding", feedCpu * 1000 / ((double) NODES * EXECUTIONS));
            loaded.put("controllerCpuMsPerJobByThreadGroup", feedByThreads);
            // Without the warm-up (JIT compilation, first allocations): the executions after the first WARM_UP.
            loaded.put("controllerCpuMsPerJobAfterWarmUp", (ProcStats.cpuSeconds(pid) - cpuWarm.get()) * 1000
                    / ((double) NODES * (EXECUTIONS - WARM_UP)));
            loaded.put("warmUpExecutions", WARM_UP);
            loaded.put("resultsPosted", kubelet.posted.get());
            loaded.put("secondsInsideMockApiServer", (insideMock.get() - mock0) / 1e9);
        } finally {
            stop(controller);
            kubelet.workers.shutdownNow();
        }

        double heap = (double) loaded.get("heapAfterGcMiB");
        double heap0 = (double) baseline.get("heapAfterGcMiB");
        double rss = (double) loaded.get("rssMiB");
        double rss0 = (double) baseline.get("rssMiB");
        System.out.printf("%-34s %14s %10s %18s %12s %8s%n", "controller process", "heap after GC", "RSS", "RSS after scrapes",
                "heap commit", "threads");
        System.out.printf("%-34s %10.1f MiB %6.1f MiB %14.1f MiB %8.1f MiB %8s%n", "baseline (idle, no executions)", heap0, rss0,
                baseline.get("rssAfterOneScrapeMiB"), baseline.get("heapCommittedMiB"), baseline.get("threads"));
        System.out.printf("%-34s %10.1f MiB %6.1f MiB %14.1f MiB %8.1f MiB %8s%n", EXECUTIONS + " executions held + 1 running", heap,
                rss, loaded.get("rssAfterOneScrapeMiB"), loaded.get("heapCommittedMiB"), loaded.get("threads"));
        System.out.printf("growth: heap +%.1f MiB (%.2f KiB per node-execution), RSS +%.1f MiB; %,d series on /metrics%n",
                heap - heap0, (heap - heap0) * 1024 / (NODES * (double) EXECUTIONS), rss - rss0, loaded.get("seriesScraped"));
        System.out.printf("report directory: %,d files, %.1f MiB%n", loaded.get("reportFiles"), (long) loaded.get("reportBytes") / 1048576.0);
        System.out.printf("%d scrapes in a row of %,d series: %s s each; heap after GC after them %.1f MiB%n", SCRAPES,
                loaded.get("seriesScraped"), ((List<?>) loaded.get("scrapeSeconds")).stream()
                        .map(x -> String.format("%.2f", (Double) x)).collect(java.util.stream.Collectors.joining(" ")),
                loaded.get("heapAfterGcAfterScrapesMiB"));
        System.out.printf("fed in %.0f s (%.1f s inside the mock API server); controller CPU %.2f s per 1,000 jobs%n",
                loaded.get("feedSeconds"), loaded.get("secondsInsideMockApiServer"), loaded.get("controllerCpuSecondsPer1000JobsWhileFeeding"));
        System.out.printf("controller CPU per job after the first %d executions (warm-up): %.2f ms%n", WARM_UP,
                loaded.get("controllerCpuMsPerJobAfterWarmUp"));
        System.out.println("controller CPU per job while feeding, by thread group (ms): " + ((Map<?, ?>) loaded
                .get("controllerCpuMsPerJobByThreadGroup")).entrySet().stream().map(e -> String.format("%s %.3f", e.getKey(), (Double) e.getValue()))
                .collect(java.util.stream.Collectors.joining(", ")));

        Map<String, Object> doc = Measure.header("memory-at-scale");
        doc.put("what", "the packaged controller jar as its own process, JVM options as in the image");
        doc.put("controllerCommand", String.join(" ", javaCommand()));
        doc.put("reportDirectoryUnder", REPORTS_UNDER == null ? System.getProperty("java.io.tmpdir") : REPORTS_UNDER);
        doc.put("nodes", NODES);
        doc.put("executions", EXECUTIONS);
        doc.put("gaugesPerResult", GAUGES);
        doc.put("pool", POOL);
        doc.put("baseline", baseline);
        doc.put("loaded", loaded);
        Measure.write(out, doc);
    }

    private static NodeList nodes() {
        NodeList list = new NodeList();
        list.setMetadata(new ListMetaBuilder().withResourceVersion("1").build());
        for (int i = 0; i < NODES; i++) {
            list.getItems().add(new NodeBuilder().withNewMetadata().withName("node-" + i).withResourceVersion("1").endMetadata()
                    .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build());
        }
        return list;
    }

    // ---------------------------------------------------------------- controller process

    private record Ports(int report, int callback, int health, int metrics) {
        static Ports free() throws IOException {
            int[] p = new int[4];
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    sockets.add(s);
                    p[i] = s.getLocalPort();
                }
            } finally {
                for (ServerSocket s : sockets) {
                    s.close();
                }
            }
            return new Ports(p[0], p[1], p[2], p[3]);
        }
    }

    private void writeConfig(String cron, Ports ports) {
        StringBuilder gauges = new StringBuilder();
        for (int g = 0; g < GAUGES; g++) {
            gauges.append("    g").append(g).append(": {help: a gauge, labels: [check, severity, zone]}\n");
        }
        String config = """
                name: bench
                podPoolSize: %d
                cronExpression: %s
                concurrencyPolicy: Forbid
                reportHistory: %d
                jobTimeout: 1h
                callbackServicePort: %d
                reportServerPort: %d
                healthProbePort: %d
                metrics:
                  port: %d
                  prefix: bench
                  gauges:
                %s""".formatted(POOL, cron, EXECUTIONS + 1, ports.callback(), ports.report(), ports.health(), ports.metrics(), gauges);
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName(CONFIG_MAP).endMetadata()
                .withData(Map.of("config.yaml", config, "pod-template.yaml", "kind: Pod\nspec: {containers: [{name: job, image: busybox}]}"))
                .build()).createOr(c -> c.update());
    }

    private Process startController(String name, Ports ports) throws IOException {
        Path log = work.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(javaCommand()).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("NAMESPACE", NS);
        env.put("CONFIG_MAP_NAME", CONFIG_MAP);
        env.put("POD_IP", "127.0.0.1");
        env.put("HOSTNAME", "bench-" + name);
        env.put("REPORT_DIRECTORY", work.resolve(name + "-reports").toString());
        env.put("KUBERNETES_MASTER", client.getConfiguration().getMasterUrl());
        env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.put("KUBECONFIG", work.resolve("none").toString());
        return pb.start();
    }

    private List<String> javaCommand() {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError"));
        if (CONTROLLER_XMX != null) {
            command.add("-Xmx" + CONTROLLER_XMX);
        }
        // e.g. -Dbench.controllerJvmArgs=-XX:StartFlightRecording=filename=/tmp/controller.jfr,settings=profile
        String extra = System.getProperty("bench.controllerJvmArgs");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString()));
        return command;
    }

    private void awaitReady(Process p, Ports ports) throws Exception {
        URI ready = URI.create("http://127.0.0.1:" + ports.health() + "/readyz");
        waitFor(() -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("the controller exited: " + tail(p));
            }
            try {
                return http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofMinutes(2), "/readyz");
    }

    private Map<String, Object> sample(Process p) throws Exception {
        String pid = Long.toString(p.pid());
        jcmd(pid, "GC.run");
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("unexpected GC.heap_info output: " + info);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("heapAfterGcMiB", Long.parseLong(m.group(1)) / 1024.0);
        Matcher c = Pattern.compile("heap\\s+total (\\d+)K").matcher(info);
        s.put("heapCommittedMiB", c.find() ? Long.parseLong(c.group(1)) / 1024.0 : -1.0);
        Map<String, String> status = procStatus(pid);
        s.put("rssMiB", kib(status.get("VmRSS")) / 1024.0);
        s.put("threads", Integer.parseInt(status.get("Threads").trim()));
        s.put("processCpuSeconds", ProcStats.cpuSeconds(pid));
        return s;
    }

    private static String jcmd(String pid, String command) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), pid, command)
                .redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    private static Map<String, String> procStatus(String pid) throws IOException {
        Map<String, String> status = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                status.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return status;
    }

    private static long kib(String value) {
        return Long.parseLong(value.replaceAll("\\D", ""));
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
    }

    private String tail(Process p) {
        try (Stream<Path> logs = Files.list(work)) {
            StringBuilder sb = new StringBuilder("exit ").append(p.isAlive() ? "-" : p.exitValue());
            for (Path log : logs.filter(f -> f.toString().endsWith(".log")).toList()) {
                List<String> lines = Files.readAllLines(log);
                sb.append("\n").append(log.getFileName()).append(":\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            }
            return sb.toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    // ---------------------------------------------------------------- checks

    /** Every held execution finished with all nodes succeeded (otherwise the figure would not be what it claims). */
    private int checkSummaries(List<String> ids) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path reports = work.resolve("loaded-reports");
        for (String id : ids) {
            JsonNode summary = json.readTree(reports.resolve(".controller").resolve(id).resolve(ExecutionEngine.SUMMARY_FILE).toFile());
            int ok = summary.path("counts").path("SUCCEEDED").asInt(-1);
            if (ok != NODES) {
                throw new IllegalStateException("execution " + id + " has " + ok + " succeeded jobs, not " + NODES + ": " + summary.path("counts"));
            }
        }
        return ids.size();
    }

    /** Number of regular files under root and their total size in bytes. */
    private static long[] diskUsage(Path root) throws IOException {
        long[] usage = new long[2];
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(Files::isRegularFile).forEach(f -> {
                usage[0]++;
                usage[1] += f.toFile().length();
            });
        }
        return usage;
    }

    /** Scrapes /metrics once, as Prometheus would, and counts the series of the configured prefix. */
    private long countSeries(Ports ports) throws Exception {
        HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.metrics() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = r.body()) {
            return lines.filter(l -> l.startsWith("bench_")).count();
        }
    }

    private static void waitFor(java.util.concurrent.Callable<Boolean> condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        CountDownLatch never = new CountDownLatch(1);
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            // A benchmark driver polling an external process; nothing here can notify us.
            never.await(200, TimeUnit.MILLISECONDS);
        }
    }
}

package io.batchjob.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.batchjob.app.Controller;
import io.batchjob.app.Listen;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The whole product on a laptop (SPEC section 8): an embedded Kubernetes API (fabric8's mock server
 * in CRUD mode), Ready nodes, the controller's ConfigMap, a simulated kubelet that runs each job
 * pod's command locally with the pod's environment, and the real controller wiring of batch-app.
 */
@Command(name = "batch-sandbox", mixinStandardHelpOptions = true,
        description = "Runs batch-job-controller against an embedded Kubernetes API on this machine.")
public final class Sandbox implements Callable<Integer> {

    @Option(names = "--nodes", description = "number of simulated Ready nodes (default: ${DEFAULT-VALUE})")
    int nodes = 3;

    @Option(names = "--pool-size", description = "podPoolSize, overriding the config (default: as configured)")
    Integer poolSize;

    @Option(names = "--once", description = "run one execution, print a per-node table, exit 0 only if every node succeeded")
    boolean once;

    @Option(names = "--config-dir", description = "directory with your config.yaml and pod-template.yaml (default: the built-in example)")
    Path configDir;

    @Option(names = "--report-dir", description = "report directory (default: a new temporary directory)")
    Path reportDir;

    @Option(names = "--fixed-ports", description = "use the configured ports (8080, 8090, 9152, 9153) instead of free ones")
    boolean fixedPorts;

    @Option(names = "--mixed", description = "demo of every outcome: nodes 2, 7, ... fail, 3, 8, ... send no report, "
            + "4, 9, ... hang until jobTimeout (15s here); with --once the exit code is then 1, as for any failed node")
    boolean mixed;

    PrintStream out = System.out;
    private Path reportsDirectory;

    /** The embedded API server logs each request through java.util.logging; kept referenced so the level sticks. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-sandbox.xml");
            MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        }
        System.exit(new CommandLine(new Sandbox()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (nodes < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--nodes must be at least 1");
        }
        String configYaml = read("config.yaml");
        String template = read("pod-template.yaml");
        configYaml = adjust(configYaml);
        Path reports = reportDir != null ? reportDir : Files.createTempDirectory("sandbox-reports");

        Listen listen = fixedPorts ? new Listen("127.0.0.1", null, null, null, null) : Listen.loopbackAnyPort();
        // The URLs come first: the controller's start-up lines wait until they are printed.
        org.slf4j.Logger product = org.slf4j.LoggerFactory.getLogger("io.batchjob");
        ch.qos.logback.classic.Level startLevel = null;
        if (product instanceof ch.qos.logback.classic.Logger logback) {
            startLevel = logback.getLevel();
            logback.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        try (SandboxCluster cluster = SandboxCluster.start(nodes, configYaml, template, reports, listen,
                mixed ? SandboxCluster.mixedOutcomes() : p -> SimulatedKubelet.Behaviour.RUN_COMMAND)) {
            Controller controller = cluster.controller();
            reportsDirectory = reports;
            if (once) {
                // The servers stop with the process: only what stays is printed (the table, the report directory).
                out.printf("sandbox: one execution on %d nodes; reports in %s (the servers stop when it ends)%n", nodes, reports);
                if (product instanceof ch.qos.logback.classic.Logger logback) {
                    logback.setLevel(startLevel);
                }
                return runOnce(controller);
            }
            out.printf("dashboard: http://127.0.0.1:%d/   (status API: /api/executions)%n", controller.reportPort());
            out.printf("Kubernetes API: %s%n", cluster.apiServerUrl());
            for (String line : kubectlHints(cluster.kubeconfig().toString(), SandboxCluster.NAMESPACE, cluster.configMapName(),
                    controller.config().name())) {
                out.println(line);
            }
            out.printf("reports:  http://127.0.0.1:%d/%n", controller.reportPort());
            out.printf("metrics:  http://127.0.0.1:%d/metrics%n", controller.metricsPort());
            out.printf("health:   http://127.0.0.1:%d/healthz  /readyz%n", controller.healthPort());
            out.printf("callback: http://127.0.0.1:%d/%sreport/<node>/<executionID>/result|file|event  (as in the jobs' "
                    + "CALLBACK_SERVICE_*_URL; report directory %s)%n", controller.callbackPort(),
                    controller.config().callbackAuth() == io.batchjob.core.config.CallbackAuth.TOKEN ? "job/<secret>/" : "", reports);
            if (product instanceof ch.qos.logback.classic.Logger logback) {
                logback.setLevel(startLevel);
            }
            CountDownLatch stop = new CountDownLatch(1);
            for (String signal : new String[]{"TERM", "INT"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stop.countDown());
            }
            out.println("running; Ctrl-C stops");
            stop.await();
            return 0;
        }
    }

    private int runOnce(Controller controller) throws Exception {
        try {
            controller.leadership().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            out.println("the controller did not become leader within 60 s");
            return 2;
        }
        TriggerOutcome outcome = controller.engine().trigger("manual");
        if (!(outcome instanceof TriggerOutcome.Started started)) {
            out.println("no execution started: " + outcome);
            return 2;
        }
        // Without a jobTimeout the execution ends when its jobs do (the example config sets one).
        ExecutionSummary summary = controller.config().jobTimeoutLimit().isPresent()
                ? started.completion().get(controller.config().jobTimeoutLimit().get().toSeconds() * 2 + 60, TimeUnit.SECONDS)
                : started.completion().get();
        out.printf("execution %s: %d nodes in %d ms%n", summary.executionId(), summary.jobs().size(), summary.durationMillis());
        out.printf("%-16s %-10s %8s  %s%n", "NODE", "OUTCOME", "MS", "REASON");
        for (JobSummary j : summary.jobs()) {
            out.printf("%-16s %-10s %8d  %s%n", j.node(), j.outcome(), j.durationMillis(), j.reason());
        }
        out.printf("reports: %s%n", reportsDirectory);
        return summary.allSucceeded() ? 0 : 1;
    }

    /** kubectl commands that work as printed: the sandbox's kubeconfig, namespace and ConfigMap. */
    static java.util.List<String> kubectlHints(String kubeconfig, String namespace, String configMap, String controllerName) {
        return java.util.List.of(
                "kubectl:  export KUBECONFIG=" + kubeconfig + "   (namespace " + namespace + ", the controller's ConfigMap " + configMap + ")",
                "          kubectl get pods -l batch-job-controller.bakito.github.com/owner=" + controllerName,
                "          kubectl annotate configmap " + configMap + " batch-job-controller.bakito.github.com/run=\"$(date +%s)\" --overwrite",
                "          kubectl describe configmap " + configMap + "   # Events: runs, reloads, skipped triggers",
                "          kubectl get events");
    }

    /** --once runs exactly one execution by hand; --pool-size overrides the config. */
    private String adjust(String configYaml) throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode root = (ObjectNode) yaml.readTree(configYaml);
        if (once) {
            root.put("runOnStartup", false);
            root.put("cronExpression", "");
        }
        if (poolSize != null) {
            root.put("podPoolSize", poolSize);
        }
        if (mixed) {
            root.put("jobTimeout", "15s");
        }
        return yaml.writeValueAsString(root);
    }

    private String read(String name) throws Exception {
        if (configDir != null) {
            return Files.readString(configDir.resolve(name), StandardCharsets.UTF_8);
        }
        try (InputStream in = Sandbox.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

}

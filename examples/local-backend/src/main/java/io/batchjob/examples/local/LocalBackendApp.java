package io.batchjob.examples.local;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.event.LoggingJobEventPublisher;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.ExecutionStatus;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.execution.StaticNodeSource;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.schedule.ExecutorTaskTimer;
import io.batchjob.core.schedule.TriggerScheduler;
import io.batchjob.core.spi.CallbackObserver;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobSummary;
import io.batchjob.http.UndertowServer;
import io.batchjob.http.callback.CallbackApi;
import io.batchjob.http.callback.CallbackSettings;
import io.batchjob.http.report.ReportServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The engine with the local-process backend, the real callback API and the report server: each
 * "node" of {@code custom.nodes} runs {@code custom.command} as a local process with the job pod
 * environment, and the job calls back with plain curl, exactly as in a cluster.
 */
@Command(name = "local-backend", mixinStandardHelpOptions = true,
        description = "Runs batch jobs as local processes with the job pod contract.")
public final class LocalBackendApp implements Callable<Integer> {

    @Option(names = "--config", description = "config.yaml with custom.nodes and custom.command (default: a built-in example)")
    Path config;

    @Option(names = "--report-dir", description = "report directory (default: a new temporary directory)")
    Path reportDir;

    @Option(names = "--callback-port", description = "callback API port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int callbackPort = 0;

    @Option(names = "--report-port", description = "report server port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int reportPort = 0;

    @Option(names = "--once", description = "run one execution, print the per-node summary, exit 0 only if every node succeeded")
    boolean once;

    PrintStream out = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LocalBackendApp()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String yaml;
        if (config != null) {
            yaml = Files.readString(config, StandardCharsets.UTF_8);
        } else {
            try (InputStream in = LocalBackendApp.class.getResourceAsStream("local-example.yaml")) {
                yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        ControllerConfig cfg = ConfigLoader.parseConfig(yaml, config == null ? "the built-in example" : config.toString(), new ArrayList<>());
        Path reports = reportDir != null ? reportDir : Files.createTempDirectory("local-reports");
        ReportStore store = new ReportStore(reports);
        List<String> command = cfg.custom().stringList("command");

        try (ExecutorTaskTimer timer = new ExecutorTaskTimer(1, "local-timer");
             LocalProcessBackend backend = new LocalProcessBackend(command, Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")), store)) {
            // The engine needs the callback port and the API needs the engine: bind first, then build.
            // Each server with threads of its own; the callback listener admits bodies up to the configured limits (chunked too).
            // Read by the report server's threads once the engine exists.
            java.util.concurrent.atomic.AtomicReference<ExecutionEngine> engineRef = new java.util.concurrent.atomic.AtomicReference<>();
            ExecutionStatus status = new ExecutionStatus(store, new io.batchjob.core.execution.FileExecutionRecords(store),
                    () -> engineRef.get() == null ? java.util.Optional.empty() : engineRef.get().liveStatus());
            UndertowServer reportServer = UndertowServer.start("report", "127.0.0.1", reportPort, new ReportServer(store, status).handler(),
                    UndertowServer.Limits.threads(4));
            io.undertow.server.HttpHandler[] callbackHandler = new io.undertow.server.HttpHandler[1];
            UndertowServer callbackServer = UndertowServer.start("callback", "127.0.0.1", callbackPort,
                    exchange -> callbackHandler[0].handleRequest(exchange), UndertowServer.Limits.threads(CallbackSettings.DEFAULT_MAX_CONCURRENT + 2)
                            .withMaxEntitySize(CallbackSettings.of(cfg, false).maxBodySize()));
            try (reportServer; callbackServer;
                 ExecutionEngine engine = ExecutionEngine.builder()
                         .config(cfg)
                         .nodeSource(StaticNodeSource.fromCustom(cfg.custom(), "nodes"))
                         .backend(backend)
                         .reportStore(store)
                         .timer(timer)
                         .jobEnvironment(new JobEnvironment("local", new CallbackEndpoint("127.0.0.1", callbackServer.port()),
                                 cfg.callbackAuth(), List.of()))
                         .build()) {
                engineRef.set(engine);
                callbackHandler[0] = new CallbackApi(engine, store, new LoggingJobEventPublisher(), CallbackSettings.of(cfg, false),
                        CallbackObserver.NOOP).handler();
                engine.activate();
                out.printf("reports: http://127.0.0.1:%d/  (directory %s)%n", reportServer.port(), reports);
                out.printf("callbacks: http://127.0.0.1:%d/report/<node>/<executionID>/result|file|event%n", callbackServer.port());
                if (once) {
                    TriggerOutcome outcome = engine.trigger("manual");
                    if (!(outcome instanceof TriggerOutcome.Started started)) {
                        out.println("no execution started: " + outcome);
                        return 2;
                    }
                    ExecutionSummary summary = cfg.jobTimeoutLimit().isPresent()
                            ? started.completion().get(cfg.jobTimeoutLimit().get().toSeconds() * 2 + 60, TimeUnit.SECONDS)
                            : started.completion().get();
                    print(summary, out);
                    return summary.allSucceeded() ? 0 : 1;
                }
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                try (TriggerScheduler scheduler = new TriggerScheduler(cfg.schedule().orElse(null), cfg.runOnStartup(), cfg.startupDelay(),
                        Clock.systemDefaultZone(), timer, cause -> {
                            if (cause == TriggerScheduler.Cause.STARTUP) {
                                engine.triggerAtStartup("startup");
                            } else {
                                engine.trigger(cause.name().toLowerCase(java.util.Locale.ROOT));
                            }
                        })) {
                    scheduler.start();
                    out.println("running; Ctrl-C stops");
                    stop.await();
                }
                return 0;
            }
        }
    }

    static void print(ExecutionSummary summary, PrintStream out) {
        out.printf("execution %s: %d nodes in %d ms%n", summary.executionId(), summary.jobs().size(), summary.durationMillis());
        out.printf("%-12s %-10s %8s  %s%n", "NODE", "OUTCOME", "MS", "REASON");
        for (JobSummary j : summary.jobs()) {
            out.printf("%-12s %-10s %8d  %s%n", j.node(), j.outcome(), j.durationMillis(), j.reason());
        }
    }
}

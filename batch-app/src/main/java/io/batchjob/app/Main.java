package io.batchjob.app;

import io.batchjob.core.BuildInfo;
import io.batchjob.core.config.ConfigException;
import io.batchjob.k8s.TokenRefreshThrottle;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar batch-job-controller.jar}: reads the environment (SPEC section 3), finds the
 * cluster the usual fabric8 way (in-cluster service account or kubeconfig), starts the controller
 * and runs until SIGTERM/SIGINT, then stops cleanly and exits 0. A start-up error (missing
 * variable, bad config) is one clear message and exit code 1.
 */
@Command(name = "batch-job-controller", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Runs a job pod on every selected node on a schedule and collects what the pods report.",
                "Configured by the environment: NAMESPACE, CONFIG_MAP_NAME (required), POD_IP, HOSTNAME, DEV_MODE, REPORT_DIRECTORY."})
public final class Main implements Callable<Integer> {

    private final Map<String, String> env;
    private final PrintStream err;

    @CommandLine.Option(names = "--bind-address", paramLabel = "IP",
            description = "Address the four servers listen on (default: ${DEFAULT-VALUE}, every address)")
    String bindAddress = "0.0.0.0";

    Main(Map<String, String> env, PrintStream err) {
        this.env = env;
        this.err = err;
    }

    public static void main(String[] args) {
        if (ControllerEnvironment.parseDevMode(System.getenv("DEV_MODE")).orElse(false) && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-dev.xml");
        }
        int code = new CommandLine(new Main(System.getenv(), System.err)).execute(args);
        System.exit(code);
    }

    @Override
    public Integer call() {
        ControllerEnvironment environment;
        try {
            environment = ControllerEnvironment.from(env);
        } catch (ConfigException e) {
            err.println("batch-job-controller cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (KubernetesClient client = TokenRefreshThrottle.clientBuilder(Config.autoConfigure(null)).build()) {
            Controller controller;
            try {
                controller = Controller.start(environment, client, Listen.fromConfig(bindAddress), Clock.systemUTC());
            } catch (ConfigException e) {
                err.println("batch-job-controller cannot start: " + e.getMessage());
                return 1;
            } catch (RuntimeException e) {
                err.println("batch-job-controller cannot start: " + e);
                return 1;
            }
            Runnable stop = () -> {
                controller.close();
                stopped.countDown();
            };
            // SIGTERM from the kubelet: stop cleanly and exit 0 (a plain shutdown hook would exit 143).
            for (String signal : new String[]{"TERM", "INT"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> new Thread(stop, "shutdown").start());
            }
            stopped.await();
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** The version from the Maven build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"batch-job-controller " + BuildInfo.version()};
        }
    }
}

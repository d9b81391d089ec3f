package io.batchjob.app;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    private static String run(Map<String, String> env, int expectedExit) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new picocli.CommandLine(new Main(env, new PrintStream(err, true, StandardCharsets.UTF_8))).execute();
        assertThat(code).isEqualTo(expectedExit);
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aMissingVariableIsOneClearMessageAndExitCodeOne() {
        String err = run(Map.of(), 1);

        assertThat(err).startsWith("batch-job-controller cannot start: invalid configuration in the environment (2 problems):")
                .contains("NAMESPACE is required").contains("CONFIG_MAP_NAME is required").doesNotContain("\tat ");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "NAMESPACE={0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"Jobs", "jobs/../kube-system", "jobs?watch=true", "-jobs", "jobs-",
            "jobs.example", "a123456789012345678901234567890123456789012345678901234567890123"})
    void aNamespaceThatIsNoNamespaceNameIsRefusedAtStart(String namespace) {
        String err = run(Map.of("NAMESPACE", namespace, "CONFIG_MAP_NAME", "cm"), 1);

        assertThat(err).contains("NAMESPACE '" + namespace + "' is not a namespace name").doesNotContain("\tat ");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "DEV_MODE={0} -> {1}")
    @org.junit.jupiter.params.provider.CsvSource({"1, true", "t, true", "T, true", "TRUE, true", "true, true", "True, true",
            "0, false", "f, false", "F, false", "FALSE, false", "false, false", "False, false", "' ', false",
            "yes, false", "tRuE, false", "on, false"})
    void devModeIsReadAsGosParseBoolDidAndAnythingElseIsOff(String value, boolean on) {
        ControllerEnvironment env = ControllerEnvironment.from(Map.of("NAMESPACE", "ns", "CONFIG_MAP_NAME", "cm", "DEV_MODE", value));
        assertThat(env.devMode()).isEqualTo(on);
    }

    @Test
    void readsTheEnvironment() {
        ControllerEnvironment env = ControllerEnvironment.from(Map.of("NAMESPACE", "jobs", "CONFIG_MAP_NAME", "cm", "POD_IP", "10.1.2.3",
                "HOSTNAME", "ctrl-1", "DEV_MODE", "TRUE", "REPORT_DIRECTORY", "/reports"));

        assertThat(env.namespace()).isEqualTo("jobs");
        assertThat(env.podIp()).contains("10.1.2.3");
        assertThat(env.hostname()).isEqualTo("ctrl-1");
        assertThat(env.devMode()).isTrue();
        assertThat(env.reportDirectory()).contains(java.nio.file.Path.of("/reports"));
    }

    @Test
    void versionAndHelp() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        picocli.CommandLine cl = new picocli.CommandLine(new Main(Map.of(), System.err));
        cl.setOut(new java.io.PrintWriter(out, true, StandardCharsets.UTF_8));
        assertThat(cl.execute("--version")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("batch-job-controller 0.1.0");
    }

    @Test
    void theServersListenOnEveryAddressUnlessABindAddressIsGiven() {
        Main main = new Main(Map.of(), System.err);
        new picocli.CommandLine(main).parseArgs();
        assertThat(main.bindAddress).isEqualTo("0.0.0.0");
        new picocli.CommandLine(main).parseArgs("--bind-address", "127.0.0.2");
        assertThat(main.bindAddress).isEqualTo("127.0.0.2");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        picocli.CommandLine cl = new picocli.CommandLine(new Main(Map.of(), System.err));
        cl.setOut(new java.io.PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.execute("--help");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--bind-address=IP").contains("default: 0.0.0.0");
    }
}

package io.batchjob.core.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    private static final String SOURCE = "ConfigMap 'jobs/batch-config'";
    private static final String TEMPLATE = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: ignored
            spec:
              containers:
                - name: job
                  image: busybox
                  args: ["{{.NodeName}}", "{{ .ExecutionID }}", "{{.Namespace}}"]
            """;

    @Test
    void readsEveryKeyOfTheGoControllerAndTheNewOnes() {
        String yaml = """
                name: compliance-scan
                jobServiceAccount: scanner
                jobImagePullSecrets:
                  - name: registry-a
                  - name: registry-b
                jobNodeSelector:
                  node-role.kubernetes.io/worker: ""
                  zone: "1"
                runOnUnscheduledNodes: true
                cronExpression: "@daily"
                cronTimeZone: Europe/Zurich
                reportDirectory: /reports
                reportHistory: 7
                podPoolSize: 25
                runOnStartup: true
                startupDelay: 1m30s
                callbackServiceName: scan-callback
                callbackServicePort: 18090
                custom:
                  target: {url: "http://x", retries: 3}
                latestMetricsLabel: true
                leaderElectionResourceLock: leases
                savePodLog: true
                metrics:
                  prefix: compliance
                  port: 19153
                  gauges:
                    check_result:
                      help: result of a check
                      labels: [check, severity]
                    other: {}
                healthProbePort: 19152
                reportServerPort: 18080
                jobTimeout: 15m
                jobRetries: 2
                jobRetryDelay: 1m30s
                maxUploadSize: 10Mi
                maxResultSize: 64Ki
                callbackAuth: none
                """;

        LoadedConfig loaded = ConfigLoader.load(yaml, TEMPLATE, SOURCE);
        ControllerConfig c = loaded.config();

        assertThat(loaded.warnings()).isEmpty();
        assertThat(c.name()).isEqualTo("compliance-scan");
        assertThat(c.jobServiceAccount()).isEqualTo("scanner");
        assertThat(c.jobImagePullSecrets()).containsExactly("registry-a", "registry-b");
        assertThat(c.jobNodeSelector()).containsExactly(Map.entry("node-role.kubernetes.io/worker", ""), Map.entry("zone", "1"));
        assertThat(c.runOnUnscheduledNodes()).isTrue();
        assertThat(c.cronExpression()).isEqualTo("@daily");
        assertThat(c.cronTimeZone()).isEqualTo(ZoneId.of("Europe/Zurich"));
        assertThat(c.reportDirectory()).isEqualTo(Path.of("/reports"));
        assertThat(c.reportHistory()).isEqualTo(7);
        assertThat(c.podPoolSize()).isEqualTo(25);
        assertThat(c.runOnStartup()).isTrue();
        assertThat(c.startupDelay()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.callbackServiceName()).isEqualTo("scan-callback");
        assertThat(c.callbackServicePort()).isEqualTo(18090);
        assertThat(c.custom().section("target").integer("retries")).isEqualTo(3);
        assertThat(c.latestMetricsLabel()).isTrue();
        assertThat(c.savePodLog()).isTrue();
        assertThat(c.metrics().prefix()).isEqualTo("compliance");
        assertThat(c.metrics().port()).isEqualTo(19153);
        assertThat(c.metrics().gauges()).containsOnlyKeys("check_result", "other");
        assertThat(c.metrics().gauges().get("check_result")).isEqualTo(new GaugeConfig("result of a check", List.of("check", "severity")));
        assertThat(c.metrics().nameFor("check_result")).isEqualTo("compliance_check_result");
        assertThat(c.healthProbePort()).isEqualTo(19152);
        assertThat(c.reportServerPort()).isEqualTo(18080);
        assertThat(c.jobTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.jobRetries()).isEqualTo(new JobRetries(2, Duration.ofSeconds(90)));
        assertThat(c.maxUploadSize()).isEqualTo(10L << 20);
        assertThat(c.maxResultSize()).isEqualTo(64L << 10);
        assertThat(c.callbackAuth()).isEqualTo(CallbackAuth.NONE);
        assertThat(c.schedule()).isPresent();
        assertThat(c.leaseName()).isEqualTo("compliance-scan-leader-election");
        assertThat(loaded.podTemplate().render("ns", "1", "n")).contains("args: [\"n\", \"1\", \"ns\"]");
    }

    @Test
    void appliesTheDocumentedDefaults() {
        ControllerConfig c = ConfigLoader.load("name: scan", TEMPLATE, SOURCE).config();

        assertThat(c.podPoolSize()).isEqualTo(10);
        assertThat(c.reportHistory()).isEqualTo(30);
        assertThat(c.reportDirectory()).isEqualTo(Path.of("/var/www"));
        assertThat(c.cronExpression()).isEqualTo("42 3 * * *");
        assertThat(c.runOnStartup()).isFalse();
        assertThat(c.suspend()).isFalse();
        assertThat(c.startupDelay()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.callbackServicePort()).isEqualTo(8090);
        assertThat(c.healthProbePort()).isEqualTo(9152);
        assertThat(c.metrics().port()).isEqualTo(9153);
        assertThat(c.reportServerPort()).isEqualTo(8080);
        assertThat(c.jobTimeoutLimit()).as("no per-job limit unless configured, as in the Go controller").isEmpty();
        assertThat(c.maxSeriesPerResult()).isEqualTo(10_000);
        assertThat(c.budgets()).isEqualTo(new Budgets(10_000, 1L << 30, 2_000_000));
        assertThat(c.callbackRelayWait()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.jobRetries()).as("no retries, as in the Go controller").isEqualTo(new JobRetries(0, Duration.ofSeconds(30)));
        assertThat(c.concurrencyPolicy()).as("each trigger replaces the running execution, as in the Go controller")
                .isEqualTo(ConcurrencyPolicy.REPLACE);
        assertThat(c.maxUploadSize()).isEqualTo(100L << 20);
        assertThat(c.maxResultSize()).isEqualTo(1L << 20);
        assertThat(c.callbackAuth()).isEqualTo(CallbackAuth.TOKEN);
        assertThat(c.metrics().prefix()).isEqualTo("batch_job");
        assertThat(c.custom().isEmpty()).isTrue();
        assertThat(c.jobImagePullSecrets()).isEmpty();
        assertThat(c.jobNodeSelector()).isEmpty();
        assertThat(c.reportFileMode()).as("report files 0600, as the Go controller wrote them").isEqualTo(ReportFileMode.DEFAULT);
    }

    @Test
    void aBackendWithoutPodsLoadsTheConfigWithoutAPodTemplate() {
        ControllerConfig c = ConfigLoader.loadConfig("name: hosts\npodPoolSize: 3\nunknownKey: 1\n", "hosts.yaml");
        assertThat(c.name()).isEqualTo("hosts");
        assertThat(c.podPoolSize()).isEqualTo(3);
        assertThatThrownBy(() -> ConfigLoader.loadConfig("podPoolSize: 0", "hosts.yaml")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("invalid configuration in hosts.yaml").hasMessageContaining("key 'name' is required");
    }

    @ParameterizedTest(name = "reportFileMode: {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0640", "\"0640\"", "'640'", "\"0o640\""})
    void readsTheReportFileModeInOctalQuotedOrNot(String value) {
        assertThat(ConfigLoader.load("name: a\nreportFileMode: " + value, TEMPLATE, SOURCE).config().reportFileMode().bits()).isEqualTo(0640);
    }

    @Test
    void acceptsTheImagePullSecretsAliasAndGoStyleNanosecondDurations() {
        ControllerConfig c = ConfigLoader.load("""
                name: scan
                imagePullSecrets: [{name: pull}]
                startupDelay: 2500000000
                cronExpression: ""
                """, TEMPLATE, SOURCE).config();

        assertThat(c.jobImagePullSecrets()).containsExactly("pull");
        assertThat(c.startupDelay()).isEqualTo(Duration.ofMillis(2500));
        assertThat(c.schedule()).isEmpty();
    }

    @Test
    void warnsAboutUnknownKeysAndDeprecatedLocksWithoutFailing() {
        LoadedConfig loaded = ConfigLoader.load("""
                name: scan
                podPoolsize: 3
                leaderElectionResourceLock: configmaps
                metrics:
                  prefx: x
                  gauges:
                    g: {help: h, lables: [a]}
                """, TEMPLATE, SOURCE);

        assertThat(loaded.warnings()).containsExactly(
                "unknown key 'podPoolsize' is ignored",
                "key 'leaderElectionResourceLock': 'configmaps' is deprecated in Kubernetes; this controller always uses a Lease",
                "unknown key 'metrics.prefx' is ignored",
                "unknown key 'metrics.gauges.g.lables' is ignored");
        assertThat(loaded.config().podPoolSize()).isEqualTo(10);
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                bad("podPoolSize: 3", "key 'name' is required"),
                bad("name: [a]", "key 'name': expected a string, found a list"),
                bad("name: My_Controller", "key 'name': value 'My_Controller' is invalid: use lower-case letters"),
                bad("name: a\npodPoolSize: -1", "key 'podPoolSize': value -1 is invalid: must be at least 1"),
                bad("name: a\npodPoolSize: 0", "key 'podPoolSize': value 0 is invalid: must be at least 1"),
                bad("name: a\npodPoolSize: ten", "key 'podPoolSize': expected a whole number, found string 'ten'"),
                bad("name: a\npodPoolSize: 1.5", "key 'podPoolSize': expected a whole number, found number 1.5"),
                bad("name: a\npodPoolSize: 99999999999", "key 'podPoolSize': value 99999999999 is out of range"),
                bad("name: a\nreportHistory: -2", "key 'reportHistory': value -2 is invalid: must be 0 or more"),
                bad("name: a\ncronExpression: \"61 * * * *\"", "key 'cronExpression': value '61 * * * *' is invalid"),
                bad("name: a\ncronExpression: \"0 0 * * * *\"", "key 'cronExpression': value '0 0 * * * *' is invalid"),
                bad("name: a\ncronExpression: \"0 0 31 2 *\"", "key 'cronExpression': value '0 0 31 2 *' is invalid: '0 0 31 2 *' never fires"),
                bad("name: a\ncronExpression: \"@every soon\"", "key 'cronExpression': value '@every soon' is invalid: 'soon' is not a duration"),
                bad("name: a\ncronExpression: \"@every 10ms\"", "key 'cronExpression': value '@every 10ms' is invalid: @every needs an interval of at least 1s"),
                bad("name: a\ncronExpression: \"@fortnightly\"", "key 'cronExpression': value '@fortnightly' is invalid"),
                bad("name: a\nstartupDelay: 10 seconds", "key 'startupDelay': value '10 seconds' is invalid: '10 seconds' is not a duration"),
                bad("name: a\nstartupDelay: -5s", "key 'startupDelay': value '-5s' is invalid: a duration must not be negative"),
                bad("name: a\njobTimeout: 0s", "key 'jobTimeout': value 0s is invalid: must be a duration greater than 0"),
                bad("name: a\njobTimeout: true", "key 'jobTimeout': expected a duration such as 10s or 1m30s, found boolean true"),
                bad("name: a\nmetrics: {gauges: {processing: {help: x}}}", "key 'metrics.gauges.processing': the suffix 'processing' is reserved"),
                bad("name: a\nmetrics: {gauges: {pods: {}}}", "key 'metrics.gauges.pods': the suffix 'pods' is reserved"),
                bad("name: a\nmetrics: {prefix: \"1abc\"}", "key 'metrics.prefix': value '1abc' is not a valid metric name prefix"),
                bad("name: a\nmetrics: {prefix: \"a-b\"}", "key 'metrics.prefix': value 'a-b' is not a valid metric name prefix"),
                bad("name: a\nmetrics: {gauges: {my-metric: {}}}", "key 'metrics.gauges': name 'my-metric' is not a valid metric name suffix"),
                bad("name: a\nmetrics: {gauges: {g: {labels: [bad-label]}}}", "key 'metrics.gauges.g.labels': label 'bad-label' is not a valid label name"),
                bad("name: a\nmetrics: {gauges: {g: {labels: [__x]}}}", "key 'metrics.gauges.g.labels': label '__x' is not a valid label name"),
                bad("name: a\nmetrics: {gauges: {g: {labels: [a, a]}}}", "key 'metrics.gauges.g.labels': label 'a' is listed twice"),
                bad("name: a\nmetrics: {gauges: {g: {labels: a}}}", "key 'metrics.gauges.g.labels': expected a list of label names, found string 'a'"),
                bad("name: a\nmetrics: {gauges: {Check: {}, check: {}}}", "key 'metrics.gauges': 'Check' and 'check' differ only in case"),
                bad("name: a\nmetrics: 5", "key 'metrics': expected a map with prefix, gauges and port, found number 5"),
                bad("name: a\ncallbackServicePort: 70000", "key 'callbackServicePort': value 70000 is invalid: must be a port from 1 to 65535"),
                bad("name: a\nhealthProbePort: 8090", "keys 'callbackServicePort' and 'healthProbePort' both use port 8090"),
                bad("name: a\ncronTimeZone: Mars/Olympus", "key 'cronTimeZone': value 'Mars/Olympus' is not a time zone"),
                bad("name: a\nmaxSeriesPerResult: 0", "key 'maxSeriesPerResult': value 0 is invalid: must be at least 1"),
                bad("name: a\nmaxFilesPerJob: 0", "key 'maxFilesPerJob': value 0 is invalid: must be from 1 to 2147483647"),
                bad("name: a\nmaxFilesPerJob: -5", "key 'maxFilesPerJob': value -5 is invalid"),
                bad("name: a\nmaxFilesPerJob: many", "key 'maxFilesPerJob': expected a whole number, found string 'many'"),
                bad("name: a\nmaxFilesPerJob: 99999999999", "key 'maxFilesPerJob': value 99999999999 is out of range"),
                bad("name: a\nmaxBytesPerJob: 0", "key 'maxBytesPerJob': value 0 is invalid: must be a size of at least 1 byte"),
                bad("name: a\nmaxBytesPerJob: 1Pi", "key 'maxBytesPerJob': value '1Pi' is invalid"),
                bad("name: a\nmaxBytesPerJob: [1]", "key 'maxBytesPerJob': expected a size such as 100Mi"),
                bad("name: a\ncallbackRelayWait: 0s", "key 'callbackRelayWait': value 0s is invalid: must be a duration from 1s to 10m"),
                bad("name: a\ncallbackRelayWait: 11m", "key 'callbackRelayWait': value 11m0s is invalid"),
                bad("name: a\ncallbackRelayWait: soon", "key 'callbackRelayWait': value 'soon' is invalid"),
                bad("name: a\njobRetries: -1", "key 'jobRetries': value -1 is invalid: must be from 0 (no retries, the default) to 10"),
                bad("name: a\njobRetries: 11", "key 'jobRetries': value 11 is invalid"),
                bad("name: a\njobRetries: twice", "key 'jobRetries'"),
                bad("name: a\njobRetryDelay: -1s", "key 'jobRetryDelay': value '-1s' is invalid: a duration must not be negative"),
                bad("name: a\njobRetryDelay: 2h", "key 'jobRetryDelay': value 2h0m0s is invalid"),
                bad("name: a\njobRetryDelay: later", "key 'jobRetryDelay'"),
                bad("name: a\nmaxSeriesInMemory: 0", "key 'maxSeriesInMemory': value 0 is invalid: must be at least 1"),
                bad("name: a\nmaxSeriesInMemory: 1.5", "key 'maxSeriesInMemory': expected a whole number"),
                bad("name: a\nconcurrencyPolicy: Allow", "key 'concurrencyPolicy': value 'Allow' is invalid: use 'Replace'"),
                bad("name: a\nconcurrencyPolicy: 1", "key 'concurrencyPolicy': expected a string, found number 1"),
                bad("name: a\njobTimeout: 0s", "key 'jobTimeout': value 0s is invalid: must be a duration greater than 0"),
                bad("name: a\ncallbackAuth: basic", "key 'callbackAuth': value 'basic' is invalid: use 'token' (default) or 'none'"),
                bad("name: a\nmaxUploadSize: 10 parsecs", "key 'maxUploadSize': value '10 parsecs' is invalid: '10 parsecs' is not a size"),
                bad("name: a\nmaxUploadSize: 0", "key 'maxUploadSize': value 0 is invalid: must be a size of at least 1 byte"),
                bad("name: a\nimagePullSecrets: secret", "key 'imagePullSecrets': expected a list like [{name: my-secret}], found string 'secret'"),
                bad("name: a\njobImagePullSecrets: [{name: Bad_Secret}]", "key 'jobImagePullSecrets[0].name': value 'Bad_Secret' is not a valid secret name"),
                bad("name: a\nrunOnStartup: yes please", "key 'runOnStartup': expected true or false, found string 'yes please'"),
                bad("name: a\nsuspend: 1", "key 'suspend': expected true or false, found number 1"),
                bad("name: a\nsuspend: [true]", "key 'suspend': expected true or false, found a list"),
                bad("name: a\njobNodeSelector: {role: \"a b\"}", "key 'jobNodeSelector.role': value 'a b' is not a valid Kubernetes label value"),
                bad("name: a\njobNodeSelector: [role]", "key 'jobNodeSelector': expected a map of label to value, found a list"),
                bad("name: a\njobServiceAccount: Not Valid", "key 'jobServiceAccount': value 'Not Valid' is not a valid service account name"),
                bad("name: a\ncustom: [1]", "key 'custom': expected a map, found a list"),
                bad("name: a\nreportDirectory: \"\"", "key 'reportDirectory' is required"),
                bad("name: [unclosed", "it is not valid YAML at line 1"),
                bad("name: a\nname: b", "it is not valid YAML"),
                bad("- a\n- b", "it must be a YAML mapping of keys to values, found a list"),
                bad("", "it is empty: at least 'name' must be set"),
                bad("cronExpression: @daily", "it is not valid YAML"),
                bad("name: a\nreportFileMode: 0755", "key 'reportFileMode': mode 0755 has an execute bit"),
                bad("name: a\nreportFileMode: \"0400\"", "key 'reportFileMode': mode 0400 must let the controller read and write its own files"),
                bad("name: a\nreportFileMode: 640", "key 'reportFileMode': value 640 is not a file mode: write it in octal with a leading 0 (0640) or quoted ('0640')"),
                bad("name: a\nreportFileMode: rw-r-----", "key 'reportFileMode': 'rw-r-----' is not a file mode: write three octal digits"),
                bad("name: a\nreportFileMode: \"../0600\"", "key 'reportFileMode': '../0600' is not a file mode"),
                bad("name: a\nreportFileMode: [0600]", "key 'reportFileMode': expected an octal file mode such as '0600', found a list"),
                bad("name: a\nreportFileMode: true", "key 'reportFileMode': expected an octal file mode such as '0600', found boolean true"),
                bad("name: a\nreportFileMode: 99999999999999999999", "key 'reportFileMode': value 99999999999999999999 is not a file mode"));
    }

    /** Configs the Go controller started with (its chart writes jobImagePullSecrets: {}), and what they mean here. */
    static Stream<Arguments> goConfigs() {
        return Stream.of(
                Arguments.of("name: a\njobImagePullSecrets: {}", List.of(), List.of()),
                Arguments.of("name: a\njobImagePullSecrets: null", List.of(), List.of()),
                Arguments.of("name: a\njobImagePullSecrets: \"\"", List.of(), List.of()),
                Arguments.of("name: a\nimagePullSecrets: []\njobNodeSelector: []\ncustom: {}\nmetrics: {gauges: {}}", List.of(), List.of()),
                Arguments.of("name: a\njobImagePullSecrets: secret", List.of(),
                        List.of("key 'jobImagePullSecrets': expected a list like [{name: my-secret}], found string 'secret'; the Go controller ignored this key, so it is ignored")),
                Arguments.of("name: a\njobImagePullSecrets: [{name: x}]\nimagePullSecrets: [{name: y}, {name: x}]", List.of("y", "x"),
                        List.of("keys 'jobImagePullSecrets' and 'imagePullSecrets' are both set: both lists are used")),
                Arguments.of("name: a\nmetrics: {gauges: {g: {labels: [node, a, executionID]}}}", List.of(),
                        List.of("key 'metrics.gauges.g.labels': label 'node' is set by the controller itself (the job's node and execution ID); the configured label is ignored",
                                "key 'metrics.gauges.g.labels': label 'executionID' is set by the controller itself (the job's node and execution ID); the configured label is ignored")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("goConfigs")
    void startsWithEveryConfigTheGoControllerStartedWith(String yaml, List<String> pullSecrets, List<String> warnings) {
        LoadedConfig loaded = ConfigLoader.load(yaml, TEMPLATE, SOURCE);
        assertThat(loaded.config().jobImagePullSecrets()).containsExactlyElementsOf(pullSecrets);
        assertThat(loaded.warnings()).containsExactlyElementsOf(warnings);
        if (yaml.contains("labels: [node")) {
            assertThat(loaded.config().metrics().gauges().get("g").labels()).containsExactly("a");
        }
    }

    private static Arguments bad(String yaml, String expected) {
        return Arguments.of(yaml, expected);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("badConfigs")
    void rejectsBadConfigWithAMessageNamingTheSourceKeyAndValue(String yaml, String expected) {
        assertThatThrownBy(() -> ConfigLoader.load(yaml, TEMPLATE, SOURCE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("invalid configuration in " + SOURCE + " key config.yaml")
                .hasMessageContaining(expected);
    }

    @ParameterizedTest(name = "concurrencyPolicy: {0}")
    @org.junit.jupiter.params.provider.CsvSource({"Replace, REPLACE", "Forbid, FORBID", "forbid, FORBID", "REPLACE, REPLACE"})
    void readsTheConcurrencyPolicy(String value, ConcurrencyPolicy expected) {
        assertThat(ConfigLoader.load("name: a\nconcurrencyPolicy: " + value, TEMPLATE, SOURCE).config().concurrencyPolicy()).isEqualTo(expected);
    }

    @Test
    void reportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> ConfigLoader.load("podPoolSize: 0\nreportHistory: x\n", TEMPLATE, SOURCE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "key 'reportHistory': expected a whole number, found string 'x'",
                        "key 'name' is required: set it to the controller's name (lower-case letters, digits, '-' and '.', at most 63 characters)",
                        "key 'podPoolSize': value 0 is invalid: must be at least 1"))
                .hasMessageContaining("(3 problems)");
    }

    @Test
    void theBuilderValidatesLikeTheLoader() {
        assertThatThrownBy(() -> ControllerConfig.builder("ok").podPoolSize(0).jobTimeout(Duration.ZERO).build("embedder code"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("invalid configuration in embedder code")
                .hasMessageContaining("key 'podPoolSize': value 0 is invalid")
                .hasMessageContaining("key 'jobTimeout': value 0s is invalid");
        ControllerConfig c = ControllerConfig.builder("ok").podPoolSize(3).build();
        assertThat(c.toBuilder().reportHistory(2).build()).extracting(ControllerConfig::podPoolSize, ControllerConfig::reportHistory)
                .containsExactly(3, 2);
    }

    @Test
    void theCorpusHasAtLeastTwentyBadConfigs() {
        List<Arguments> all = new ArrayList<>(badConfigs().toList());
        assertThat(all).hasSizeGreaterThanOrEqualTo(20);
    }
}

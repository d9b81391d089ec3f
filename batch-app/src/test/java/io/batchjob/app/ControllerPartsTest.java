package io.batchjob.app;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.execution.CallbackEndpoint;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.execution.FileExecutionRecords;
import io.batchjob.core.execution.JobEnvironment;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.schedule.TriggerScheduler;
import io.batchjob.core.spi.ExecutionHandover;
import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.batchjob.core.testing.ManualClock;
import io.batchjob.core.testing.ManualTimer;
import io.batchjob.http.health.HealthEndpoints;
import io.batchjob.k8s.ConfigMapControl;
import io.batchjob.k8s.ConfigMapHandover;
import io.batchjob.testkit.k8s.MockApiServer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Each named part of the controller on its own: the HTTP servers, the restored metrics, the
 * Kubernetes parts, the live config and the leader's duties ({@link ControllerIT} and the real-API
 * suites run them together).
 */
class ControllerPartsTest {

    private static final String CONFIG = """
            name: parts
            podPoolSize: 2
            cronExpression: "0 3 * * *"
            """;
    private static final String TEMPLATE = """
            apiVersion: v1
            kind: Pod
            spec:
              containers:
                - name: job
                  image: busybox
            """;
    private static final ManualClock CLOCK = new ManualClock(Instant.parse("2026-12-03T10:00:00Z"));

    private final MockApiServer api = new MockApiServer().start();
    private final KubernetesClient client = api.client();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path reports;

    @AfterEach
    void stopApiServer() {
        api.close();
    }

    private static ControllerEnvironment env(boolean devMode, String podIp) {
        return new ControllerEnvironment("jobs", "parts-config", Optional.ofNullable(podIp), "parts-0", devMode, Optional.empty());
    }

    private LoadedConfig loaded() {
        return ConfigLoader.load(CONFIG, TEMPLATE, "test");
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theCallbackPortAnswersStartingUntilTheApiIsServedAndEveryServerIsReadyOnlyWhileItListens() throws Exception {
        ControllerConfig config = loaded().config();
        HealthEndpoints health = new HealthEndpoints();
        int callbackPort;
        try (ControllerServers servers = ControllerServers.startHealth(Listen.loopbackAnyPort(), config, health)) {
            servers.bindCallbacks(false);
            callbackPort = servers.callbackPort();
            HttpResponse<String> starting = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + callbackPort + "/report/n/1/result"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(starting.statusCode()).isEqualTo(503);
            assertThat(starting.body()).isEqualTo("starting\n");
            assertThat(starting.headers().firstValue("Retry-After")).contains("1");

            servers.serveCallbacks(exchange -> exchange.getResponseSender().send("the API"));
            assertThat(get(callbackPort, "/anything").body()).isEqualTo("the API");
            assertThatThrownBy(() -> servers.serveCallbacks(exchange -> { })).isInstanceOf(IllegalStateException.class);

            servers.startMetrics(new io.prometheus.metrics.model.registry.PrometheusRegistry(), null);
            servers.addReadiness(health);
            HttpResponse<String> ready = get(servers.healthPort(), "/readyz");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("callback-listening: ok", "metrics-listening: ok").doesNotContain("report-listening");
        }
        // Closed: nothing listens any more (a readiness check on this port would fail now).
        assertThat(HealthEndpoints.listening("callback", "127.0.0.1", callbackPort).check().up()).isFalse();
    }

    @Test
    void metricsComeBackFromTheReportDirectoryAsTheyWereBeforeARestart() throws Exception {
        ReportStore store = new ReportStore(reports);
        FileExecutionRecords records = new FileExecutionRecords(store);
        Instant started = Instant.parse("2026-12-03T09:00:00Z");
        Instant ended = Instant.parse("2026-12-03T09:00:30Z");
        records.writePlan(new ExecutionPlan("20261203090000", "schedule", started, List.of()));
        records.writeSummary(new ExecutionSummary("20261203090000", "schedule", started, ended, false, List.of()));

        Metrics metrics = Metrics.restore(loaded().config(), store, records, () -> 7, () -> Optional.of(Duration.ofDays(1)));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("batch_job_controller_jobs_in_flight 7")
                .contains("batch_job_controller_last_execution_end_timestamp_seconds " + (double) ended.getEpochSecond())
                .contains("jvm_threads_current");
    }

    @Test
    void withLeaderElectionTheClusterPartsHandOverAndPublishTheLeadersAddress() throws Exception {
        ReportStore store = new ReportStore(reports);
        LoadedConfig loaded = loaded();
        try (KubernetesParts cluster = KubernetesParts.connect(env(false, "10.1.2.3"), client, loaded.config(), loaded, store, CLOCK)) {
            assertThat(cluster.handover).isInstanceOf(ConfigMapHandover.class);
            assertThat(cluster.leaderAddress).isNotNull();
            assertThat(cluster.backend.hasSynced()).isTrue();
            assertThat(cluster.callbackAddress(8090)).contains(URI.create("http://10.1.2.3:8090"));
            assertThat(cluster.configMapSource()).isEqualTo("ConfigMap jobs/parts-config");
        }
        try (KubernetesParts cluster = KubernetesParts.connect(env(false, "fd00::7"), client, loaded.config(), loaded, store, CLOCK)) {
            assertThat(cluster.callbackAddress(8090)).contains(URI.create("http://[fd00::7]:8090"));
        }
    }

    @Test
    void withoutPodIpJobsCallTheServiceTheRelayAddressComesFromThePodAndDevModeHasNoLeaderAddress() throws Exception {
        ReportStore store = new ReportStore(reports);
        client.services().inNamespace("jobs").resource(new ServiceBuilder().withNewMetadata().withName("parts-callbacks").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.10").endSpec().build()).create();
        LoadedConfig loaded = ConfigLoader.load(CONFIG + "callbackServiceName: parts-callbacks\n", TEMPLATE, "test");
        try (KubernetesParts cluster = KubernetesParts.connect(env(true, null), client, loaded.config(), loaded, store, CLOCK)) {
            assertThat(cluster.callbackHost).as("jobs call the Service").isEqualTo("10.96.0.10");
            assertThat(cluster.handover).isSameAs(ExecutionHandover.NONE);
            assertThat(cluster.leaderAddress).isNull();
            assertThat(cluster.callbackAddress(8090)).as("no POD_IP and no pod").isEmpty();
            client.pods().inNamespace("jobs").resource(new PodBuilder().withNewMetadata().withName("parts-0").endMetadata()
                    .withNewStatus().withPodIP("10.9.8.7").endStatus().build()).create();
            assertThat(cluster.callbackAddress(8090)).contains(URI.create("http://10.9.8.7:8090"));
        }
    }

    /** An engine on an in-memory backend, a scheduler on a manual timer, beside the Kubernetes parts. */
    private record Running(KubernetesParts cluster, Metrics metrics, ExecutionEngine engine, TriggerScheduler scheduler,
                           ManualTimer scheduleTimer) implements AutoCloseable {
        @Override
        public void close() {
            scheduler.close();
            engine.close();
            cluster.close();
        }
    }

    private Running running(ControllerEnvironment env) throws Exception {
        ReportStore store = new ReportStore(reports);
        LoadedConfig loaded = loaded();
        KubernetesParts cluster = KubernetesParts.connect(env, client, loaded.config(), loaded, store, CLOCK);
        Metrics metrics = Metrics.restore(loaded.config(), store, new FileExecutionRecords(store), () -> 0, Optional::empty);
        ManualTimer timer = new ManualTimer(CLOCK);
        ExecutionEngine engine = ExecutionEngine.builder().config(loaded.config()).nodeSource(() -> List.of("node-a"))
                .backend(InMemoryJobBackend.manual()).reportStore(store).listener(metrics.results())
                .jobEnvironment(jobEnvironment()).clock(CLOCK).timer(timer).build();
        ManualTimer scheduleTimer = new ManualTimer(CLOCK);
        TriggerScheduler scheduler = new TriggerScheduler(loaded.config().schedule().orElse(null), false, false, Duration.ZERO, CLOCK,
                scheduleTimer, cause -> { });
        return new Running(cluster, metrics, engine, scheduler, scheduleTimer);
    }

    private static JobEnvironment jobEnvironment() {
        return new JobEnvironment("jobs", new CallbackEndpoint("127.0.0.1", 8090), io.batchjob.core.config.CallbackAuth.TOKEN, List.of());
    }

    @Test
    void aReloadedConfigReachesEveryPartAndTheDashboardSeesTheChange() throws Exception {
        try (Running r = running(env(true, "127.0.0.1"))) {
            LiveConfig live = new LiveConfig(r.engine.config(), r.cluster, jobEnvironment(), r.metrics, r.engine, r.scheduler, CLOCK);
            LoadedConfig next = ConfigLoader.load(CONFIG.replace("podPoolSize: 2", "podPoolSize: 5").replace("0 3 * * *", "0 4 * * *")
                    + "suspend: true\n", TEMPLATE, "test");

            live.verify(next);
            live.apply(next);
            live.event(false, "ConfigApplied", "podPoolSize: 2 -> 5");

            assertThat(live.current().podPoolSize()).isEqualTo(5);
            assertThat(r.engine.config().podPoolSize()).isEqualTo(5);
            assertThat(r.scheduler.isSuspended()).isTrue();
            assertThat(live.lastChange()).isNotNull();
            assertThat(live.lastChange().reason()).isEqualTo("ConfigApplied");
            assertThat(live.lastChange().refused()).isFalse();
            assertThat(live.lastChange().at()).isEqualTo(CLOCK.instant());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.resources(Event.class).inNamespace("jobs").list().getItems())
                    .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("ConfigApplied")));

            live.event(true, "ConfigRefused", "podPoolSize must be at least 1");
            assertThat(live.lastChange().refused()).isTrue();
            live.event(false, "ManualRunAccepted", "not a config change");
            assertThat(live.lastChange().reason()).as("only config changes are shown").isEqualTo("ConfigRefused");
        }
    }

    @Test
    void aRefusedConfigChangesNothing() throws Exception {
        try (Running r = running(env(true, "127.0.0.1"))) {
            LiveConfig live = new LiveConfig(r.engine.config(), r.cluster, jobEnvironment(), r.metrics, r.engine, r.scheduler, CLOCK);
            // A gauge whose name collides with one of the controller's own metrics: the result metrics refuse it, first.
            LoadedConfig clashing = ConfigLoader.load(CONFIG.replace("podPoolSize: 2", "podPoolSize: 5") + """
                    metrics:
                      prefix: batch_job_controller
                      gauges:
                        jobs_in_flight: {help: clash, labels: []}
                    """, TEMPLATE, "test");
            ControllerConfig before = live.current();

            assertThatThrownBy(() -> live.apply(clashing)).isInstanceOf(RuntimeException.class);
            assertThat(live.current()).isSameAs(before);
            assertThat(r.engine.config().podPoolSize()).isEqualTo(2);
        }
    }

    @Test
    void theLeaderActivatesTheEngineAndScheduleAndStopsBothWhenItLosesTheLead() throws Exception {
        client.configMaps().inNamespace("jobs").resource(new ConfigMapBuilder().withNewMetadata().withName("parts-config").endMetadata()
                .withData(Map.of("config.yaml", CONFIG, "pod-template.yaml", TEMPLATE)).build()).create();
        try (Running r = running(env(false, "10.1.2.3"));
             ConfigMapControl control = new ConfigMapControl(client, "jobs", "parts-config", r.engine, r.cluster.configMapEvents)) {
            LeaderDuties duties = new LeaderDuties(env(false, "10.1.2.3"), r.cluster, r.engine::config, () -> 8090, r.metrics.published(),
                    r.engine, r.scheduler, control);
            assertThat(duties.firstLead()).isNotDone();
            assertThat(r.scheduleTimer.pending()).isZero();

            duties.gained();

            assertThat(duties.firstLead()).isDone();
            assertThat(r.engine.isActive()).isTrue();
            assertThat(r.scheduleTimer.pending()).as("the schedule's next tick is planned").isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.resources(Event.class).inNamespace("jobs").list().getItems())
                    .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("LeaderElection")));

            duties.lost();

            assertThat(r.engine.isActive()).isFalse();
            assertThat(r.scheduleTimer.pending()).as("the schedule stopped").isZero();
        }
    }
}

package io.batchjob.metrics;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.ExecutionListener;
import io.batchjob.core.spi.ExecutionStart;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streamed exposition of the result series is byte for byte what prometheus-metrics' own
 * writers print for the same series kept as {@code Gauge}s (the implementation before the compact
 * store, {@link ReferenceResultMetrics}): text and OpenMetrics, gzip or not, {@code name[]}
 * filters, over a corpus of hostile label values and node names, label names that sort before and
 * after {@code executionID}, execution IDs whose string and numeric order differ, replaced
 * results, pruned executions, a reconfiguration and {@code latest} series.
 */
class ExpositionTest {

    private static final String TEMPLATE = "kind: Pod\nspec: {containers: [{name: a}]}";
    private static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    /** Label values that stress escaping and encoding. */
    private static final List<String> HOSTILE = List.of("", "plain", "with \"quotes\"", "back\\slash\\", "new\nline", "\\n literal",
            "carriage\rreturn", "tab\there", "brace} = , \" {", "ünïcödé", "中文标签", "emoji 😀🚀", "unpaired \uD800 high",
            "unpaired \uDC00 low", "  spaced  ", "x".repeat(300), "# HELP fake", "0x7f\u007f", "\u2028line separator");
    private static final double[] VALUES = {0, -0.0, 1, -1, 1.5, 1e7, 9_999_999, 12345678.9, 1e-5, 0.1 + 0.2, Double.MAX_VALUE,
            Double.MIN_VALUE, -123456.789, 1e22, 3e-300};

    private static ControllerConfig config(boolean latest, String gauges) {
        return ConfigLoader.load("name: scan\nlatestMetricsLabel: " + latest + "\nmetrics:\n  prefix: scan\n  gauges:\n" + gauges,
                TEMPLATE, "test").config();
    }

    private static final String GAUGES = """
                a_first: {help: "help with \\\\ backslash and \\n newline \\"quoted\\"", labels: [Zone, alpha, zeta]}
                b_second: {help: second, labels: [check]}
                plain: {help: no labels}
            """;

    /** The same events for both implementations. */
    private static void script(ExecutionListener m, Runnable reconfigure) {
        String[] ids = {"999", "20261127080000", "20261127080001"};
        List<String> nodes = new ArrayList<>(List.of("node-a", "node-b", "Node-C", "node.d", "nöde-ë"));
        nodes.addAll(HOSTILE.subList(1, 6));
        int v = 0;
        for (int e = 0; e < ids.length; e++) {
            String id = ids[e];
            m.onExecutionStarted(new ExecutionStart(id, "schedule", T0, nodes, false));
            for (int n = 0; n < nodes.size(); n++) {
                String node = nodes.get(n);
                Map<String, List<MetricValue>> values = new LinkedHashMap<>();
                List<MetricValue> first = new ArrayList<>();
                for (int h = 0; h < HOSTILE.size(); h++) {
                    if ((h + n + e) % 3 == 0) {
                        first.add(new MetricValue(VALUES[v++ % VALUES.length], Map.of("Zone", HOSTILE.get(h), "alpha", "a" + (h % 2),
                                "zeta", HOSTILE.get((h + n) % HOSTILE.size()), "unconfigured", "x")));
                    }
                }
                first.add(new MetricValue(7, Map.of("alpha", "missing-the-others")));
                first.add(new MetricValue(8, Map.of("alpha", "missing-the-others"))); // the same labels again: the last wins
                values.put("a_first", first);
                values.put("b_second", List.of(new MetricValue(VALUES[v++ % VALUES.length], Map.of("check", HOSTILE.get(n % HOSTILE.size())))));
                values.put("plain", List.of(new MetricValue(n, Map.of())));
                values.put("c_added", List.of(new MetricValue(n + 0.25, Map.of("k", HOSTILE.get((n + 2) % HOSTILE.size())))));
                values.put("not_configured", List.of(new MetricValue(1, Map.of())));
                m.onResultReceived(id, node, new JobResult(values));
                if (n % 4 == 1) {
                    // A node posts again: its new result replaces the series of the earlier one.
                    m.onResultReceived(id, node, new JobResult(Map.of("b_second", List.of(new MetricValue(-2.5, Map.of("check", "again"))))));
                }
                JobOutcome outcome = JobOutcome.values()[(n + e) % JobOutcome.values().length];
                m.onJobEnded(id, new JobSummary(node, outcome, T0, T0.plusMillis(37L * n + e), "", outcome == JobOutcome.SUCCEEDED));
            }
            if (e == 1) {
                reconfigure.run();
            }
        }
        m.onExecutionPruned("999");
    }

    private record Pair(PrometheusRegistry reference, PrometheusRegistry streamedRegistry, ResultMetrics streamed) {
    }

    private static Pair build(boolean latest) {
        PrometheusRegistry reference = new PrometheusRegistry();
        ReferenceResultMetrics old = new ReferenceResultMetrics(config(latest, GAUGES), reference, "1.0");
        script(old, () -> old.reconfigure(config(latest, GAUGES + "    c_added: {help: added later, labels: [k]}\n")));
        PrometheusRegistry registry = new PrometheusRegistry();
        ResultMetrics now = new ResultMetrics(config(latest, GAUGES), registry, "1.0");
        script(now, () -> now.reconfigure(config(latest, GAUGES + "    c_added: {help: added later, labels: [k]}\n")));
        return new Pair(reference, registry, now);
    }

    private static String libraryText(PrometheusRegistry registry, boolean openMetrics) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        (openMetrics ? OpenMetricsTextFormatWriter.create() : PrometheusTextFormatWriter.create()).write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static byte[] scrape(int port, String query, String accept, boolean gzip) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics" + query));
        if (accept != null) {
            b.header("Accept", accept);
        }
        if (gzip) {
            b.header("Accept-Encoding", "gzip");
        }
        HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        if (gzip) {
            assertThat(r.headers().firstValue("Content-Encoding")).contains("gzip");
            return new GZIPInputStream(new java.io.ByteArrayInputStream(r.body())).readAllBytes();
        }
        return r.body();
    }

    @ParameterizedTest(name = "latestMetricsLabel={0}")
    @ValueSource(booleans = {false, true})
    void theStreamedExpositionIsByteForByteTheLibrarysOwn(boolean latest) throws Exception {
        Pair p = build(latest);
        String text = libraryText(p.reference(), false);
        String openMetrics = libraryText(p.reference(), true);
        assertThat(text).contains("scan_a_first{Zone=\"with \\\"quotes\\\"\"", "emoji 😀🚀", "back\\\\slash\\\\", "new\\nline", "scan_c_added")
                .contains("executionID=\"latest\"".repeat(latest ? 1 : 0));
        assertThat(p.streamed().series().size()).isGreaterThan(150);

        try (MetricsServer server = MetricsServer.start(p.streamedRegistry(), p.streamed(), "127.0.0.1", 0);
             MetricsServer fallback = MetricsServer.start(p.streamedRegistry(), "127.0.0.1", 0)) {
            assertThat(new String(scrape(server.port(), "", null, false), StandardCharsets.UTF_8)).isEqualTo(text);
            assertThat(new String(scrape(server.port(), "", null, true), StandardCharsets.UTF_8)).isEqualTo(text);
            String om = "application/openmetrics-text; version=1.0.0; charset=utf-8";
            assertThat(new String(scrape(server.port(), "", om, false), StandardCharsets.UTF_8)).isEqualTo(openMetrics);
            assertThat(new String(scrape(server.port(), "", om, true), StandardCharsets.UTF_8)).isEqualTo(openMetrics);
            // The registry's own snapshot of the store (a scrape that does not stream) is the same too.
            assertThat(new String(scrape(fallback.port(), "", null, false), StandardCharsets.UTF_8)).isEqualTo(text);
            assertThat(libraryText(p.streamedRegistry(), true)).isEqualTo(openMetrics);
            // name[] filters streamed and registry metrics alike.
            String filtered = new String(scrape(server.port(), "?name[]=scan_b_second&name[]=scan_pods", null, false), StandardCharsets.UTF_8);
            assertThat(filtered).contains("scan_b_second{", "scan_pods ").doesNotContain("scan_a_first", "scan_processing", INFO_LINE);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(expected,
                    p.reference().scrape(name -> name.equals("scan_b_second") || name.equals("scan_pods")));
            assertThat(filtered).isEqualTo(expected.toString(StandardCharsets.UTF_8));
        }
    }

    private static final String INFO_LINE = "com_github_bakito_batch_job_controller{";

    @ParameterizedTest(name = "chunks of a scrape of {0} series")
    @ValueSource(ints = {20_000})
    void aLargeExpositionStreamsInManyChunksAndStaysEqual(int nodes) throws Exception {
        PrometheusRegistry reference = new PrometheusRegistry();
        PrometheusRegistry registry = new PrometheusRegistry();
        ControllerConfig cfg = config(false, "    g: {help: g, labels: [zone, check]}\n");
        ReferenceResultMetrics old = new ReferenceResultMetrics(cfg, reference, "1");
        ResultMetrics now = new ResultMetrics(cfg, registry, "1");
        List<String> names = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            names.add("worker-" + n + ".example.com");
        }
        for (ExecutionListener m : List.of(old, now)) {
            for (String id : List.of("20261127000000", "20261128000000")) {
                m.onExecutionStarted(new ExecutionStart(id, "bench", T0, names, false));
                for (int n = 0; n < nodes; n++) {
                    m.onResultReceived(id, names.get(n), new JobResult(Map.of("g", List.of(
                            new MetricValue(n, Map.of("zone", "z" + n % 7, "check", "c" + n % 5))))));
                    m.onJobEnded(id, new JobSummary(names.get(n), JobOutcome.SUCCEEDED, T0, T0.plusMillis(n), "", true));
                }
            }
        }
        String expected = libraryText(reference, false);
        assertThat(expected.length()).as("many chunks of %d bytes", MetricsServer.CHUNK).isGreaterThan(50 * MetricsServer.CHUNK);
        try (MetricsServer server = MetricsServer.start(registry, now, "127.0.0.1", 0)) {
            assertThat(new String(scrape(server.port(), "", null, false), StandardCharsets.UTF_8)).isEqualTo(expected);
            assertThat(new String(scrape(server.port(), "", null, true), StandardCharsets.UTF_8)).isEqualTo(expected);
        }
    }
}

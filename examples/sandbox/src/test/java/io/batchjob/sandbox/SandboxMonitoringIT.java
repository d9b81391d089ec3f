package io.batchjob.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.batchjob.app.Listen;
import io.batchjob.core.execution.TriggerOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard and the alert rules query only metrics the controller really publishes:
 * a sandbox run with mixed outcomes (succeeded, failed, no report, timed out) is scraped, and
 * every metric name in the dashboard's queries (with its {@code $prefix} variable set as the info
 * metric says) and in the alert rules' expressions must be in that scrape.
 */
class SandboxMonitoringIT {

    private static final Path CHART = Path.of("..", "..", "deploy", "helm", "batch-job-controller");
    private static final Path RULES = Path.of("..", "..", "deploy", "monitoring", "alert-rules.yaml");
    private static final String PREFIX = "monitoring";
    private static final String CONFIG = """
            name: monitoring
            podPoolSize: 3
            cronExpression: "0 3 * * *"
            jobTimeout: 6s
            metrics:
              prefix: monitoring
              gauges:
                my_metric: {help: a metric, labels: [label_a, label_b]}
            """;
    /** Series Prometheus makes itself, not the controller. */
    private static final Set<String> FROM_PROMETHEUS = Set.of("up");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "inf", "nan");

    @TempDir
    Path dir;

    @Test
    void theDashboardAndTheAlertRulesUseOnlyMetricsASandboxScrapeShows() throws Exception {
        String template = new String(Sandbox.class.getResourceAsStream("pod-template.yaml").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        Set<String> scraped;
        String exposition;
        try (SandboxCluster sandbox = SandboxCluster.start(5, CONFIG, template, dir.resolve("reports"), Listen.loopbackAnyPort(),
                SandboxCluster.mixedOutcomes())) {
            sandbox.controller().leadership().get(30, TimeUnit.SECONDS);
            TriggerOutcome.Started run = (TriggerOutcome.Started) sandbox.controller().engine().trigger("manual");
            run.completion().get(60, TimeUnit.SECONDS);
            exposition = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + sandbox.controller().metricsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            scraped = metricNamesOf(exposition);
        }
        assertThat(exposition).as("the info metric the dashboard's $prefix variable reads")
                .containsPattern("com_github_bakito_batch_job_controller\\{[^}]*prefix=\"" + PREFIX + "\"");

        JsonNode dashboard = new ObjectMapper().readTree(CHART.resolve("files/grafana-dashboard.json").toFile());
        List<String> queries = new ArrayList<>();
        dashboard.get("panels").forEach(p -> {
            if (p.has("targets")) {
                p.get("targets").forEach(t -> queries.add(t.get("expr").asText()));
            }
        });
        dashboard.get("templating").get("list").forEach(v -> {
            if (v.get("type").asText().equals("query")) {
                queries.add(v.get("query").get("query").asText());
            }
        });
        Set<String> dashboardMetrics = new TreeSet<>();
        queries.forEach(q -> dashboardMetrics.addAll(metricNamesIn(q.replace("${prefix}", PREFIX).replace("$prefix", PREFIX))));

        Set<String> ruleMetrics = new TreeSet<>();
        new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile()).get("groups")
                .forEach(g -> g.get("rules").forEach(r -> ruleMetrics.addAll(metricNamesIn(r.get("expr").asText()))));

        assertThat(queries).hasSizeGreaterThan(20);
        assertThat(dashboardMetrics).as("metric names of the dashboard's queries, each in the scrape " + scraped)
                .contains(PREFIX + "_processing", PREFIX + "_duration", "batch_job_controller_jobs_in_flight")
                .allSatisfy(name -> assertThat(scraped).contains(name));
        assertThat(ruleMetrics).as("metric names of the alert rules").contains("batch_job_controller_node_consecutive_problems", "up")
                .allSatisfy(name -> assertThat(FROM_PROMETHEUS.contains(name) || scraped.contains(name)).as(name).isTrue());
    }

    @Test
    void theMetricNameReaderFindsNamesAndNothingElse() {
        assertThat(metricNamesIn("histogram_quantile(0.95, sum by (le, endpoint) (rate(a_b_bucket{job=~\"$job\", x=\"y z\"}[$__rate_interval])))"))
                .containsExactly("a_b_bucket");
        assertThat(metricNamesIn("count(x_total{job=\"j\"} > 0) or vector(0)")).containsExactly("x_total");
        assertThat(metricNamesIn("a > 0 and on (namespace, job) sum by (job) (increase(b[1h])) == 0")).containsExactly("a", "b");
        assertThat(metricNamesIn("min by (job) (time() - (c or d) - 2 * e) > 0")).containsExactly("c", "d", "e");
        assertThat(metricNamesIn("sum(rate(f[5m])) / sum(rate(g[5m])) > 0.05")).containsExactly("f", "g");
        assertThat(metricNamesIn("label_values(info_metric{job=~\"$job\"}, prefix)")).containsExactly("info_metric");
        assertThat(metricNamesIn("sum by (node) (h) == 0 or absent(up{job=\"x\"})")).containsExactly("h", "up");
    }

    /** Names of the samples in a text exposition ({@code _bucket}, {@code _sum}, {@code _count}, {@code _total} included). */
    static Set<String> metricNamesOf(String exposition) {
        Set<String> names = new TreeSet<>();
        exposition.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
        return names;
    }

    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels, durations or numbers. */
    static Set<String> metricNamesIn(String promql) {
        String q = promql.strip();
        if (q.startsWith("label_values(")) {
            q = q.substring("label_values(".length(), q.lastIndexOf(','));
        }
        q = q.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")   // string literals
                .replaceAll("\\{[^}]*}", " ")                   // label matchers
                .replaceAll("\\[[^]]*]", " ")                   // ranges
                .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENT.matcher(q);
        while (m.find()) {
            String token = m.group();
            int after = m.end();
            while (after < q.length() && q.charAt(after) == ' ') {
                after++;
            }
            boolean call = after < q.length() && q.charAt(after) == '(';
            boolean partOfNumber = m.start() > 0 && (Character.isDigit(q.charAt(m.start() - 1)) || q.charAt(m.start() - 1) == '.');
            if (!call && !partOfNumber && !KEYWORDS.contains(token.toLowerCase(Locale.ROOT))) {
                names.add(token);
            }
        }
        return names;
    }
}

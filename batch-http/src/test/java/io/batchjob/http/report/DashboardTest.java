package io.batchjob.http.report;

import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.MetricValue;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.batchjob.http.UndertowServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The dashboard pages over HTTP: what they say, filter and sort, escaping, and the strict policy they are served with. */
class DashboardTest {

    static final String HOSTILE = "<img src=x onerror=alert(1)>";
    private static final JobResult RESULT = new JobResult(Map.of("found", List.of(new MetricValue(3, Map.of("kind", "pkg")))));
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path reports;

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An execution with every outcome but replaced, and a hostile node name; then a running one. */
    static String[] mixed(EngineHarness h) throws Exception {
        h.engine.activate();
        String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
        await().until(() -> h.backend.runningNodes(id).size() == 4);
        h.store.write(id, "good.json", "{\"found\":[{\"value\":3,\"labels\":{\"kind\":\"pkg\"}}]}".getBytes());
        h.store.write(id, "good-report.txt", "ok".getBytes());
        h.store.write(id, "good-<svg onload=alert(3)>.txt", "x".getBytes()); // a hostile upload name, as in ReportPagesBrowserIT
        h.engine.resultReceived(id, "good", RESULT);
        h.backend.end(id, "good", JobEnd.succeeded());
        h.backend.end(id, "bad", JobEnd.failed("exit code 3"));
        h.backend.end(id, "quiet", JobEnd.succeeded());
        h.backend.end(id, HOSTILE, JobEnd.failed("<script>alert(2)</script>"));
        await().until(() -> h.engine.progress().isEmpty());
        h.clock.advance(Duration.ofMinutes(1));
        String running = ((TriggerOutcome.Started) h.engine.trigger("manual")).executionId();
        await().until(() -> h.backend.runningNodes(running).size() == 4);
        h.backend.end(running, "good", JobEnd.failed("exit code 1"));
        return new String[]{id, running};
    }

    static EngineHarness harness(Path reports) {
        return EngineHarness.builder(reports).nodes(List.of("good", "bad", "quiet", HOSTILE)).poolSize(4)
                .backend(InMemoryJobBackend.manual()).build();
    }

    @Test
    void thePagesSayWhatHappenedFilterSortAndEscapeEveryName() throws Exception {
        try (EngineHarness h = harness(reports);
             UndertowServer server = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(h.store, h.engine.status()).handler(),
                     UndertowServer.Limits.threads(2))) {
            int port = server.port();
            String[] ids = mixed(h);

            HttpResponse<String> root = get(port, "/");
            assertThat(root.headers().firstValue("Content-Security-Policy")).contains(ReportServer.PAGE_CSP);
            String executions = root.body();
            assertThat(executions).contains("1 succeeded · 2 failed · 1 no report", "2026-11-27 08:00:00 UTC", "finished")
                    .contains("running: <span class=\"progress\">1/4 ended, 3 running now</span>").contains("data-live=\"api/executions/" + ids[1] + "\"")
                    .doesNotContain("{SUCCEEDED").doesNotContain("T08:00:00");
            assertThat(executions.indexOf(">" + ids[1] + "<")).isLessThan(executions.indexOf(">" + ids[0] + "<"));

            String page = get(port, "/" + ids[0] + "/").body();
            // Failures first by default, then no report, then succeeded.
            assertThat(rows(page)).containsExactly("&lt;img src=x onerror=alert(1)&gt;", "bad", "quiet", "good");
            assertThat(page).contains("<span class=\"outcome o-failed\">failed</span>", "exit code 3", "found{kind=pkg}=3",
                    "<a href=\"good-report.txt\">good-report.txt</a>", "<a href=\"good.json\">good.json</a>", "id=\"files\"")
                    .contains("&lt;script&gt;alert(2)&lt;/script&gt;").doesNotContain("<script>alert").doesNotContain("<img src=x")
                    .contains("<a href=\"good-%3Csvg%20onload%3Dalert%283%29%3E.txt\">good-&lt;svg onload=alert(3)&gt;.txt</a>")
                    .doesNotContain("<svg onload");
            assertThat(rows(get(port, "/" + ids[0] + "/?sort=node").body())).containsExactly("&lt;img src=x onerror=alert(1)&gt;", "bad",
                    "good", "quiet");
            assertThat(rows(get(port, "/" + ids[0] + "/?sort=node&dir=desc").body())).containsExactly("quiet", "good", "bad",
                    "&lt;img src=x onerror=alert(1)&gt;");
            assertThat(rows(get(port, "/" + ids[0] + "/?outcome=FAILED").body())).containsExactly("&lt;img src=x onerror=alert(1)&gt;", "bad");
            assertThat(rows(get(port, "/" + ids[0] + "/?outcome=%3Cb%3E&sort=%27%3Balert(1)").body())).hasSize(4); // unknown values: defaults

            String nodes = get(port, "/nodes").body();
            assertThat(nodes).contains("4 nodes × 2 executions")
                    .contains("<td class=\"cell o-succeeded\"><a href=\"" + ids[0] + "/#node-good\">ok</a></td>")
                    .contains("<td class=\"cell o-failed\"><a href=\"" + ids[1] + "/#node-good\">fail</a></td>")
                    .doesNotContain("<img src=x");
            // No resource from elsewhere: every src and href is relative.
            for (String html : List.of(executions, page, nodes)) {
                Matcher m = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
                while (m.find()) {
                    assertThat(m.group(1)).doesNotContain("//").doesNotStartWith("/");
                }
                assertThat(html).doesNotContain("<script>").doesNotContain("style=\"");
            }
            HttpResponse<String> css = get(port, "/-/dashboard.css");
            assertThat(css.headers().firstValue("Content-Type")).contains("text/css; charset=utf-8");
            assertThat(get(port, "/-/dashboard.js").headers().firstValue("Content-Type")).contains("text/javascript; charset=utf-8");
            assertThat(get(port, "/-/other.js").statusCode()).isEqualTo(404);
            assertThat(get(port, "/-/").statusCode()).isEqualTo(404);
            // Files are still served as before, with the file policy (sandboxed).
            HttpResponse<String> file = get(port, "/" + ids[0] + "/good-report.txt");
            assertThat(file.body()).isEqualTo("ok");
            assertThat(file.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("sandbox");
        }
    }

    @Test
    void theHeaderSaysTheScheduleNextRunLeaderAndARefusedConfigChangeOnEveryPage() throws Exception {
        java.util.concurrent.atomic.AtomicReference<ControllerInfo> info = new java.util.concurrent.atomic.AtomicReference<>(
                new ControllerInfo("scan", "1.2.3", "*/5 * * * *", "UTC", java.time.Instant.parse("2026-11-27T08:05:00Z"), false,
                        "scan-7d9f", true, new ControllerInfo.ConfigChange(java.time.Instant.parse("2026-11-27T07:59:00Z"), false,
                        "ConfigApplied", "the changed config applies from the next trigger: podPoolSize")));
        try (EngineHarness h = harness(reports);
             UndertowServer server = UndertowServer.start("report", "127.0.0.1", 0,
                     new ReportServer(h.store, h.engine.status(), info::get).handler(), UndertowServer.Limits.threads(2))) {
            String[] ids = mixed(h);
            for (String path : List.of("/", "/" + ids[0] + "/", "/nodes")) {
                assertThat(get(server.port(), path).body()).as(path)
                        .contains("<span class=\"name\">scan</span> <span class=\"version\">1.2.3</span>")
                        .contains("schedule <code>*/5 * * * *</code> (UTC)")
                        .contains("next run <span class=\"next\">2026-11-27 08:05:00 UTC</span>")
                        .contains("leader <span class=\"leader\">scan-7d9f (this replica)</span>")
                        .contains("config reloaded at 2026-11-27 07:59:00 UTC");
            }
            info.set(new ControllerInfo("scan", "1.2.3", "@daily", "Europe/Zurich", null, true, null, false,
                    new ControllerInfo.ConfigChange(java.time.Instant.parse("2026-11-27T08:01:00Z"), true, "ConfigRefused",
                            "key 'podPoolSize': value 0 is invalid <b>")));
            String page = get(server.port(), "/").body();
            assertThat(page).contains("<span class=\"suspended\">suspended</span>").doesNotContain("next run")
                    .contains("leader <span class=\"leader\">none</span>")
                    .contains("<span class=\"config refused\"")
                    .contains("config change refused at 2026-11-27 08:01:00 UTC: key &#39;podPoolSize&#39;: value 0 is invalid &lt;b&gt;");
            assertThat(get(server.port(), "/api/controller").body()).contains("\"leading\" : false").contains("\"refused\" : true");
        }
    }

    @Test
    void nodesComeInNaturalOrderFiltersAcceptAnyCaseAndDurationsHaveADecimal() throws Exception {
        assertThat(java.util.stream.Stream.of("node-10", "node-2", "node-1", "node-02", "node-b", "node-a10", "node-a9")
                .sorted(Dashboard.NATURAL).toList())
                .containsExactly("node-1", "node-02", "node-2", "node-10", "node-a9", "node-a10", "node-b");
        assertThat(List.of("failed", "FAILED", "Failed", " failed ", "no report", "no-report", "No_Report", "bogus", ""))
                .extracting(Dashboard::filterOf)
                .containsExactly("FAILED", "FAILED", "FAILED", "FAILED", "NO_REPORT", "NO_REPORT", "NO_REPORT", "", "");
        assertThat(Dashboard.filterOf(null)).isEmpty();
        assertThat(List.of(0L, 999L, 1000L, 1654L, 59_940L, 59_999L, 61_000L, 3_723_000L)).extracting(Dashboard::millis)
                .containsExactly("0 ms", "999 ms", "1.0s", "1.7s", "59.9s", "59.9s", "1m 1s", "1h 2m");

        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("node-10", "node-2", "node-1")).poolSize(3)
                .backend(InMemoryJobBackend.manual()).build();
             UndertowServer server = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(h.store, h.engine.status()).handler(),
                     UndertowServer.Limits.threads(2))) {
            h.engine.activate();
            String first = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(first).size() == 3);
            List.of("node-10", "node-2", "node-1").forEach(n -> h.backend.end(first, n, JobEnd.failed("exit 1")));
            await().until(() -> h.engine.progress().isEmpty());
            String second = ((TriggerOutcome.Started) h.engine.trigger("manual")).executionId(); // the same second: the next ID
            assertThat(rows(get(server.port(), "/" + first + "/?sort=node").body())).containsExactly("node-1", "node-2", "node-10");
            assertThat(rows(get(server.port(), "/" + first + "/?outcome=failed").body())).containsExactly("node-1", "node-2", "node-10");
            String nodes = get(server.port(), "/nodes").body();
            assertThat(nodes.indexOf("<tr><td>node-2<")).isLessThan(nodes.indexOf("<tr><td>node-10<"));
            // Two executions of one minute (and second) have distinct, whole headers.
            assertThat(nodes).contains(">" + first.substring(0, 8) + "<br>" + first.substring(8) + "</a></th>")
                    .contains(">" + second.substring(0, 8) + "<br>" + second.substring(8) + "</a></th>");
        }
    }

    /** Every page, link, stylesheet and script resolves behind a path prefix (kubectl proxy), as relative links do. */
    @Test
    void everyLinkScriptAndStylesheetWorksBehindAPathPrefix() throws Exception {
        String prefix = "/api/v1/namespaces/jobs/services/batch-job-controller:8080/proxy";
        try (EngineHarness h = harness(reports);
             UndertowServer server = UndertowServer.start("report", "127.0.0.1", 0, io.undertow.Handlers.path().addPrefixPath(prefix,
                     new ReportServer(h.store, h.engine.status()).handler()), UndertowServer.Limits.threads(2))) {
            mixed(h);
            java.util.Deque<URI> todo = new java.util.ArrayDeque<>(List.of(URI.create("http://127.0.0.1:" + server.port() + prefix + "/")));
            java.util.Set<URI> seen = new java.util.HashSet<>();
            Pattern link = Pattern.compile("(?:href|src|data-live)=\"([^\"]*)\"");
            while (!todo.isEmpty()) {
                URI page = todo.poll();
                URI withoutFragment = new URI(page.getScheme(), page.getAuthority(), page.getPath(), page.getQuery(), null);
                if (!seen.add(withoutFragment)) {
                    continue;
                }
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(withoutFragment).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(page.toString()).isEqualTo(200);
                assertThat(r.uri().getPath()).as("stays under the prefix").startsWith(prefix + "/");
                if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/html")) {
                    Matcher m = link.matcher(r.body());
                    while (m.find()) {
                        String target = m.group(1).replace("&amp;", "&");
                        assertThat(target).as("relative link on " + page).doesNotStartWith("/").doesNotContain("://");
                        todo.add(r.uri().resolve(target));
                    }
                }
            }
            assertThat(seen).as("pages, filters, sorts, files, assets, status API").hasSizeGreaterThan(25)
                    .anyMatch(u -> u.getPath().endsWith("/-/dashboard.js")).anyMatch(u -> u.getPath().endsWith("/nodes"))
                    .anyMatch(u -> u.getPath().contains("/api/executions/")).anyMatch(u -> "sort=node".equals(u.getQuery()));
        }
    }

    /** The node names of an execution page's rows, in order. */
    static List<String> rows(String page) {
        Matcher m = Pattern.compile("<tr id=\"node-[^\"]*\" class=\"[^\"]*\"><td[^>]*>([^<]*)</td>").matcher(page);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void aRetriedNodeShowsItsAttemptWithTheEarlierOnesOutcomesEscaped() throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(List.of("a")).poolSize(1).retries(1, Duration.ZERO)
                .backend(InMemoryJobBackend.manual()).build();
             UndertowServer server = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(h.store, h.engine.status()).handler(),
                     UndertowServer.Limits.threads(2))) {
            h.engine.activate();
            String id = ((TriggerOutcome.Started) h.engine.trigger("schedule")).executionId();
            await().until(() -> h.backend.runningNodes(id).size() == 1);
            h.backend.end(id, "a", JobEnd.failed("<b>exit</b> code 1"));
            await().until(() -> get(server.port(), "/" + id + "/").body().contains("retrying (1)"));
            h.timer.advance(Duration.ZERO);
            await().until(() -> h.backend.request(id, "a").map(r -> r.attempt() == 2).orElse(false) && h.backend.running() == 1);
            h.backend.end(id, "a", JobEnd.failed("exit code 2"));
            await().until(() -> h.engine.progress().isEmpty());

            String page = get(server.port(), "/" + id + "/").body();
            assertThat(page).contains("<span class=\"attempts\" title=\"attempt 1: failed (&lt;b&gt;exit&lt;/b&gt; code 1)\">attempt 2</span>")
                    .contains("exit code 2").doesNotContain("<b>exit");
        }
    }


    @Test
    void anAdoptedExecutionNamesTheNodesWhoseResultsAreNotHereEscaped() {
        io.batchjob.core.report.ReportStore store = new io.batchjob.core.report.ReportStore(reports);
        io.batchjob.core.execution.ExecutionStatus status = new io.batchjob.core.execution.ExecutionStatus(store,
                new io.batchjob.core.execution.FileExecutionRecords(store), java.util.Optional::empty);
        io.batchjob.core.execution.ExecutionStatus.Detail d = new io.batchjob.core.execution.ExecutionStatus.Detail("20261203120000", "schedule",
                io.batchjob.core.execution.ExecutionStatus.State.FINISHED, java.time.Instant.EPOCH, java.time.Instant.EPOCH, Map.of(), List.of(),
                List.of(), List.of("a", HOSTILE));

        String page = new Dashboard(store, status).execution(d, "", "outcome", false, "");

        assertThat(page).contains("<p class=\"unseen\">results not in this report directory").contains("a, &lt;img")
                .doesNotContain(HOSTILE);
        assertThat(new Dashboard(store, status).execution(new io.batchjob.core.execution.ExecutionStatus.Detail("20261203120000", "schedule",
                io.batchjob.core.execution.ExecutionStatus.State.FINISHED, java.time.Instant.EPOCH, java.time.Instant.EPOCH, Map.of(), List.of(),
                List.of(), null), "", "outcome", false, "")).doesNotContain("class=\"unseen\"");
    }

}

package io.batchjob.http.report;

import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.report.ReportStore;
import io.batchjob.http.UndertowServer;
import io.batchjob.http.health.HealthEndpoints;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xnio.XnioWorker;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportServerTest {

    private XnioWorker worker;
    private UndertowServer server;
    private ReportStore store;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    void start(@TempDir Path base) throws Exception {
        store = new ReportStore(base.resolve("reports"));
        store.write("20261127080000", "node-a.json", "{\"m\":[]}".getBytes());
        store.write("20261127080000", ExecutionEngine.SUMMARY_FILE, "{\"counts\":{\"SUCCEEDED\":1}}".getBytes());
        store.write("20261127090000", "node-a-report.txt", "hello report".getBytes());
        store.write("20261127090000", "node-a-evil.html", "<script>alert(1)</script>".getBytes());
        store.write("20261127090000", "node-a-image.svg", "<svg onload=alert(1)/>".getBytes());
        store.write("20261127090000", "node-a-container-job.log", "log line".getBytes());
        store.write("20261127090000", "node-a-<img src=x onerror=alert(1)>.txt", "x".getBytes());
        store.write("20261127090000", "node-a-data.json", "{}".getBytes());
        store.write("20261127090000", "node-a-résumé final.txt", "cv".getBytes());
        store.write("202611270700", "node-a.json", "{}".getBytes()); // a Go controller execution
        store.pointLatestAt("20261127090000");
        Path outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "top secret");
        Files.createSymbolicLink(store.root().resolve("20261127090000").resolve("link.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(store.root().resolve("20261127090000").resolve("dirlink"), outside);
        Files.createSymbolicLink(store.root().resolve("20261127100000"), outside);
        Files.writeString(store.root().resolve("20261127090000").resolve(".tmp-123"), "partial");
        worker = UndertowServer.newWorker(1, 4);
        server = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(store).handler(), worker);
    }

    @AfterAll
    void stop() {
        server.close();
        worker.shutdown();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Raw request line, so paths reach the server exactly as written. */
    private int rawStatus(String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            s.getInputStream().transferTo(buf);
            String text = buf.toString(StandardCharsets.UTF_8);
            assertThat(text).doesNotContain("top secret");
            return Integer.parseInt(text.substring(9, 12));
        }
    }

    @Test
    void listsExecutionsNewestFirstWithLatest() throws Exception {
        HttpResponse<String> r = get("/");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        String body = r.body();
        assertThat(body).contains("<a href=\"latest/\">latest</a> &rarr; 20261127090000");
        assertThat(body.indexOf(">20261127090000<")).isLessThan(body.indexOf(">20261127080000<"));
        assertThat(body.indexOf(">20261127080000<")).isLessThan(body.indexOf(">202611270700<"));
        // Without a plan (no engine started them) executions are listed with their files only; the dashboard rows: DashboardTest.
        assertThat(body).contains("files only (not started by this controller)").doesNotContain("{SUCCEEDED=1}")
                .doesNotContain("20261127100000");
    }

    @Test
    void listsAnExecutionsFilesWithoutHiddenOnesOrLinks() throws Exception {
        String body = get("/20261127090000/").body();

        assertThat(body).contains("<a href=\"node-a-report.txt\">node-a-report.txt</a>")
                .contains("node-a-r%C3%A9sum%C3%A9%20final.txt")
                .contains("node-a-&lt;img src=x onerror=alert(1)&gt;.txt")
                .doesNotContain("<img")
                .doesNotContain(".tmp-123").doesNotContain("link.txt").doesNotContain("dirlink");
        assertThat(get("/latest/").body()).contains("node-a-report.txt");
        HttpResponse<String> noSlash = get("/20261127090000");
        assertThat(noSlash.statusCode()).isEqualTo(301);
        assertThat(noSlash.headers().firstValue("Location")).contains("20261127090000/");
    }

    /**
     * Behind {@code kubectl proxy} the pages live under a path prefix
     * ({@code /api/v1/namespaces/<ns>/services/<svc>:8080/proxy/}): every link on every page, and
     * the redirect to an execution's page, must resolve under it.
     */
    @Test
    void everyLinkWorksBehindAPathPrefix() throws Exception {
        String prefix = "/api/v1/namespaces/jobs/services/batch-job-controller:8080/proxy";
        XnioWorker prefixWorker = UndertowServer.newWorker(1, 4);
        try (UndertowServer proxied = UndertowServer.start("report-under-prefix", "127.0.0.1", 0,
                io.undertow.Handlers.path().addPrefixPath(prefix, new ReportServer(store).handler()), prefixWorker)) {
            HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
            URI start = URI.create("http://127.0.0.1:" + proxied.port() + prefix + "/");
            java.util.Deque<URI> todo = new java.util.ArrayDeque<>(java.util.List.of(start, URI.create("http://127.0.0.1:" + proxied.port() + prefix + "/20261127080000")));
            java.util.Set<URI> seen = new java.util.HashSet<>();
            java.util.regex.Pattern href = java.util.regex.Pattern.compile("href=\"([^\"]*)\"");
            while (!todo.isEmpty()) {
                URI page = todo.poll();
                if (!seen.add(page)) {
                    continue;
                }
                HttpResponse<String> r = following.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(page.toString()).isEqualTo(200);
                assertThat(r.uri().getPath()).as("stays under the prefix").startsWith(prefix + "/");
                if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/html")) {
                    java.util.regex.Matcher m = href.matcher(r.body());
                    while (m.find()) {
                        String link = m.group(1).replace("&amp;", "&");
                        assertThat(link).as("relative link on " + page).doesNotStartWith("/").doesNotContain("://");
                        todo.add(r.uri().resolve(link));
                    }
                }
            }
            assertThat(seen).as("index, both executions, latest and their files").hasSizeGreaterThan(10)
                    .anyMatch(u -> u.getPath().endsWith("/20261127090000/node-a-report.txt"))
                    .anyMatch(u -> u.getPath().endsWith("/latest/"));
        } finally {
            prefixWorker.shutdown();
        }
    }

    @Test
    void anExecutionsFilesComeInPagesFollowedByTheirNextLinkAsHtmlAndAsJson(@TempDir Path dir) throws Exception {
        ReportStore many = new ReportStore(dir);
        for (int i = 0; i < 25; i++) {
            many.write("20261127110000", String.format("node-%02d.txt", i), "x".getBytes());
        }
        XnioWorker w = UndertowServer.newWorker(1, 4);
        try (UndertowServer s = UndertowServer.start("report-pages", "127.0.0.1", 0, new ReportServer(many).handler(), w)) {
            String base = "http://127.0.0.1:" + s.port() + "/20261127110000/";
            List<String> names = new java.util.ArrayList<>();
            String page = base + "?limit=10";
            java.util.regex.Pattern row = java.util.regex.Pattern.compile("<tr><td><a href=\"([^\"]+)\"");
            java.util.regex.Pattern next = java.util.regex.Pattern.compile("<a rel=\"next\" href=\"([^\"]+)\"");
            for (int pages = 0; page != null && pages < 5; pages++) {
                String html = client.send(HttpRequest.newBuilder(URI.create(page)).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(html).contains("25 files");
                java.util.regex.Matcher m = row.matcher(html);
                while (m.find()) {
                    names.add(m.group(1));
                }
                java.util.regex.Matcher n = next.matcher(html);
                page = n.find() ? URI.create(page).resolve(n.group(1).replace("&amp;", "&")).toString() : null;
            }
            assertThat(names).hasSize(25).doesNotHaveDuplicates().isSorted().startsWith("node-00.txt").endsWith("node-24.txt");

            String json = client.send(HttpRequest.newBuilder(URI.create(base + "?format=json&limit=20&after=node-03.txt")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            assertThat(tree.get("total").asInt()).isEqualTo(25);
            assertThat(tree.get("files")).hasSize(20);
            assertThat(tree.get("files").get(0).get("name").asText()).isEqualTo("node-04.txt");
            assertThat(tree.get("next").asText()).isEqualTo("node-23.txt");
            String last = client.send(HttpRequest.newBuilder(URI.create(base + "?format=json&after=node-23.txt")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(last).has("next")).isFalse();
        } finally {
            w.shutdown();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "0", "-1", "5001", "99999999999", "1e3", "%20"})
    void aPageSizeThatIsNotANumberFromOneTo5000IsRefused(String limit) throws Exception {
        HttpResponse<String> r = get("/20261127090000/?limit=" + limit);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("limit must be a number from 1 to 5000");
    }

    @Test
    void listsAsJsonWhenAsked() throws Exception {
        assertThat(get("/?format=json").body()).contains("\"executionId\" : \"20261127090000\"").contains("\"latest\" : true");
        HttpResponse<String> files = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/latest/"))
                .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(files.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(files.body()).contains("\"name\" : \"node-a-report.txt\"").contains("\"size\" : 12");
    }

    @Test
    void downloadsWithTypeAndLengthAlsoThroughLatest() throws Exception {
        HttpResponse<String> r = get("/20261127090000/node-a-report.txt");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello report");
        assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
        assertThat(r.headers().firstValue("Content-Length")).contains("12");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(get("/latest/node-a-report.txt").body()).isEqualTo("hello report");
        assertThat(get("/20261127090000/node-a-data.json").headers().firstValue("Content-Type")).contains("application/json");
        assertThat(get("/20261127090000/node-a-container-job.log").headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");
        assertThat(get("/20261127090000/node-a-r%C3%A9sum%C3%A9%20final.txt").body()).isEqualTo("cv");
    }

    @Test
    void headReturnsHeadersOnly() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/latest/node-a-report.txt"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Length")).contains("12");
        assertThat(r.body()).isEmpty();
        HttpResponse<String> listing = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(listing.statusCode()).isEqualTo(200);
        assertThat(listing.body()).isEmpty();
    }

    @Test
    void uploadedPagesAndScriptsNeverRunAsPagesOfThisServer() throws Exception {
        for (String name : new String[]{"node-a-evil.html", "node-a-image.svg"}) {
            HttpResponse<String> r = get("/20261127090000/" + name);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");
            assertThat(r.headers().firstValue("Content-Disposition")).get().asString().startsWith("attachment;");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(r.headers().firstValue("Content-Security-Policy")).get().asString().contains("default-src 'none'").contains("sandbox");
        }
    }

    /** Only text, JSON, images, PDF and archives are served as what they are; anything else is a download of bytes. */
    @Test
    void filesAreServedWithATypeFromTheAllowListOrAsADownloadOfBytes(@TempDir Path dir) throws Exception {
        ReportStore own = new ReportStore(dir.resolve("reports"));
        for (String name : new String[]{"node-a-start.jnlp", "node-a-tool.exe", "node-a-noext", "node-a-shot.png", "node-a-scan.pdf",
                "node-a-all.tar.gz", "node-a-table.csv"}) {
            own.write("20261127090000", name, "x".getBytes());
        }
        String[][] expected = {
                {"node-a-start.jnlp", "application/octet-stream", "attachment"},
                {"node-a-tool.exe", "application/octet-stream", "attachment"},
                {"node-a-noext", "application/octet-stream", "attachment"},
                {"node-a-shot.png", "image/png", null},
                {"node-a-scan.pdf", "application/pdf", "attachment"},
                {"node-a-all.tar.gz", "application/gzip", "attachment"},
                {"node-a-table.csv", "text/csv; charset=utf-8", null}};
        try (UndertowServer ownServer = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(own).handler(),
                UndertowServer.Limits.threads(2))) {
            for (String[] e : expected) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ownServer.port() + "/20261127090000/"
                        + e[0])).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(e[0]).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type")).as(e[0]).contains(e[1]);
                if (e[2] == null) {
                    assertThat(r.headers().firstValue("Content-Disposition")).as(e[0]).isEmpty();
                } else {
                    assertThat(r.headers().firstValue("Content-Disposition")).as(e[0]).get().asString()
                            .isEqualTo("attachment; filename*=UTF-8''" + e[0]);
                }
                assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            }
        }
    }

    @Test
    void isReadOnly() throws Exception {
        for (String method : new String[]{"POST", "PUT", "DELETE"}) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/latest/node-a-report.txt"))
                    .method(method, HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).contains("GET, HEAD");
        }
        assertThat(Files.readString(store.root().resolve("20261127090000/node-a-report.txt"))).isEqualTo("hello report");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/%2E%2E/%2E%2E/etc/passwd", "/20261127090000/../../outside/secret.txt",
            "/20261127090000/%2e%2e/%2e%2e/outside/secret.txt", "/20261127090000/..%2f..%2foutside%2fsecret.txt",
            "/20261127090000/..%5c..%5coutside%5csecret.txt", "/20261127090000/..\\..\\outside\\secret.txt",
            "/%252e%252e/outside/secret.txt", "/20261127090000/link.txt", "/20261127090000/dirlink/secret.txt",
            "/20261127100000/secret.txt", "/20261127100000/", "/20261127090000/.tmp-123", "/.uploads/", "/latest/../../outside/secret.txt",
            "/20261127090000//node-a-report.txt", "/20261127090000/node-a-report.txt/x", "/nope/", "/99999999999999/",
            "/20261127090000/missing.txt", "/20261127090000/%00", "/latest%00/node-a-report.txt", "//etc/passwd", "/etc/passwd"})
    void neverServesAnythingOutsideTheReportDirectory(String path) throws Exception {
        assertThat(rawStatus(path)).as(path).isIn(400, 404);
    }

    @Test
    void health() throws Exception {
        HealthEndpoints health = new HealthEndpoints()
                .addLiveness(HealthEndpoints.reportDirectory(store.root()))
                .addReadiness(HealthEndpoints.of("config-loaded", () -> true, "ConfigMap ns/cm"));
        java.util.concurrent.atomic.AtomicBoolean synced = new java.util.concurrent.atomic.AtomicBoolean(false);
        health.addReadiness(HealthEndpoints.of("pod-watch", synced::get, "informer"));
        try (UndertowServer h = UndertowServer.start("health", "127.0.0.1", 0, health.handler(), worker)) {
            String base = "http://127.0.0.1:" + h.port();
            HttpResponse<String> live = client.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> notReady = client.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            synced.set(true);
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> other = client.send(HttpRequest.newBuilder(URI.create(base + "/debug/pprof")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.body()).isEqualTo("ok\nreport-directory: ok (" + store.root() + ")\n");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains("pod-watch: FAILED (informer)").contains("config-loaded: ok");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(other.statusCode()).isEqualTo(404);
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void theListeningCheckSeesWhetherAServerAcceptsConnections() throws Exception {
        var up = HealthEndpoints.listening("report", "0.0.0.0", server.port()).check();
        int freePort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            freePort = s.getLocalPort();
        }
        var down = HealthEndpoints.listening("gone", "127.0.0.1", freePort).check();
        assertThat(up.up()).isTrue();
        assertThat(up.detail()).isEqualTo("127.0.0.1:" + server.port());
        assertThat(down.up()).isFalse();
    }

    @Test
    void livenessFailsWhenTheReportDirectoryIsGone(@TempDir Path dir) throws Exception {
        Path reports = Files.createDirectories(dir.resolve("r"));
        HealthEndpoints health = new HealthEndpoints().addLiveness(HealthEndpoints.reportDirectory(reports));
        try (UndertowServer h = UndertowServer.start("health", "127.0.0.1", 0, health.handler(), worker)) {
            Files.delete(reports);
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.port() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).startsWith("not ok\nreport-directory: FAILED");
        }
    }

    /**
     * Thirty clients that ask for a large file and never read it hold connections, not threads:
     * with four worker threads, listings and downloads still answer at once.
     */
    @Test
    void slowDownloadsHoldNoThreads(@TempDir Path dir) throws Exception {
        ReportStore big = new ReportStore(dir.resolve("reports"));
        byte[] data = new byte[8 << 20];
        new java.util.Random(3).nextBytes(data);
        big.write("20261127090000", "node-a-big.bin", data);
        big.write("20261127090000", "node-a-small.txt", "small".getBytes(StandardCharsets.UTF_8));
        List<Socket> slow = new java.util.ArrayList<>();
        try (UndertowServer own = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(big).handler(),
                UndertowServer.Limits.threads(4))) {
            for (int i = 0; i < 30; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", own.port()));
                s.getOutputStream().write("GET /20261127090000/node-a-big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
            }
            // Every download has started (its first bytes arrived); the rest stalls on full socket buffers.
            for (Socket s : slow) {
                s.setSoTimeout(20_000);
                assertThat(s.getInputStream().readNBytes(1)).hasSize(1);
            }
            for (String path : List.of("/", "/20261127090000/", "/20261127090000/node-a-small.txt")) {
                long start = System.nanoTime();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + own.port() + path))
                        .timeout(java.time.Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).as(path).isLessThan(java.time.Duration.ofSeconds(2));
            }
            // A stalled download still completes intact once its client reads.
            Socket first = slow.get(0);
            first.setSoTimeout(20_000);
            java.io.InputStream in = first.getInputStream();
            StringBuilder head = new StringBuilder("H"); // its first byte was read above
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 200").contains("Content-Length: " + data.length);
            assertThat(in.readNBytes(data.length)).isEqualTo(data);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }
}

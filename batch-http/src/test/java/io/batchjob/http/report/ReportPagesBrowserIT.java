package io.batchjob.http.report;

import io.batchjob.core.report.ReportStore;
import io.batchjob.http.UndertowServer;
import io.batchjob.testkit.browser.Chromium;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.xnio.XnioWorker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report pages in a real browser (Debian's headless Chromium, installed by .ci/run): the
 * listing renders its links, a file name crafted as markup stays text, and HTML inside an upload
 * is shown as text. Without Chromium the test is skipped locally and fails in CI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportPagesBrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final String HOSTILE = "node-a-<img src=x onerror=document.title='pwned'>.txt";

    private XnioWorker worker;
    private UndertowServer server;
    private Path base;

    @BeforeAll
    void start(@TempDir Path base) throws Exception {
        this.base = base; // without Chromium each test is skipped (or fails in CI) on its own, see dumpDom
        ReportStore store = new ReportStore(base.resolve("reports"));
        store.write("20261127090000", "node-a-report.txt", "hello".getBytes());
        store.write("20261127090000", HOSTILE, "x".getBytes());
        store.write("20261127090000", "node-a-sneaky.txt", "<html><body><h1 id=injected>owned</h1><script>document.title='ran'</script></body></html>".getBytes());
        store.write("20261127080000", "node-b.json", "{}".getBytes());
        store.pointLatestAt("20261127090000");
        worker = UndertowServer.newWorker(1, 4);
        server = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(store).handler(), worker);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
            worker.shutdown();
        }
    }

    private String dumpDom(String path) throws Exception {
        Chromium.requireInstalled();
        Path profile = Files.createTempDirectory(base, "chromium-profile");
        Path dom = Files.createTempFile(base, "dom", ".html");
        Process p = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--timeout=15000", "--user-data-dir=" + profile, "--dump-dom", "http://127.0.0.1:" + server.port() + path))
                .redirectOutput(dom.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s for " + path);
        }
        return Files.readString(dom, StandardCharsets.UTF_8);
    }

    @Test
    void theExecutionListingRendersLinksAndKeepsHostileNamesAsText() throws Exception {
        String dom = dumpDom("/latest/");

        assertThat(dom).contains("<a href=\"node-a-report.txt\">node-a-report.txt</a>");
        assertThat(dom).contains("node-a-&lt;img src=x onerror=document.title='pwned'&gt;.txt");
        assertThat(dom).doesNotContain("<img").doesNotContain("<title>pwned</title>");
    }

    @Test
    void theRootListingShowsExecutionsNewestFirst() throws Exception {
        String dom = dumpDom("/");

        assertThat(dom).contains("<a href=\"latest/\">latest</a>");
        assertThat(dom.indexOf("20261127090000</a>")).isPositive().isLessThan(dom.indexOf("20261127080000</a>"));
    }

    /** HTML uploaded under a harmless name must not be sniffed into a page (HTML and SVG uploads are attachments, see ReportServerTest). */
    @Test
    void htmlContentInAnUploadRendersAsTextAndRunsNoScript() throws Exception {
        String dom = dumpDom("/20261127090000/node-a-sneaky.txt");

        assertThat(dom).contains("&lt;script&gt;document.title='ran'&lt;/script&gt;");
        assertThat(dom).doesNotContain("<h1 id=\"injected\">").doesNotContain("<title>ran</title>");
    }
}

package io.batchjob.http.report;

import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.http.UndertowServer;
import io.batchjob.testkit.browser.Chromium;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in headless Chromium (DevTools protocol): what a user reads on each page, a
 * click on a filter and on a column to sort, the running execution's progress changing without
 * a reload, a phone-width window, JavaScript off, hostile names staying text, and the script
 * allowed by the strict policy. Screenshots go to {@code target/screenshots/}.
 */
class DashboardBrowserIT {

    private static final Path SHOTS = Path.of("target", "screenshots");

    @TempDir
    Path dir;

    @Test
    void eachPageReadsRightClicksWorkAndProgressIsLive() throws Exception {
        Chromium.requireInstalled();
        try (EngineHarness h = DashboardTest.harness(dir.resolve("reports"));
             UndertowServer server = UndertowServer.start("report", "127.0.0.1", 0, new ReportServer(h.store, h.engine.status()).handler(),
                     UndertowServer.Limits.threads(4));
             Chromium chromium = Chromium.start(dir.resolve("profile"))) {
            String[] ids = DashboardTest.mixed(h);
            String base = "http://127.0.0.1:" + server.port() + "/";
            Chromium.Page page = chromium.newPage();
            page.viewport(1280, 800, false);

            // Executions: counts as text, the running one's progress, and it changes without a reload.
            page.open(base);
            assertThat(page.eval("document.documentElement.getAttribute('data-dashboard')").asText()).as("the script ran under the CSP")
                    .isEqualTo("live");
            String text = page.eval("document.body.innerText").asText();
            assertThat(text).contains("1 succeeded · 2 failed · 1 no report").contains("1/4 ended, 3 running now").contains("finished");
            page.screenshot(SHOTS.resolve("dashboard-executions.png"));
            h.backend.end(ids[1], "bad", JobEnd.succeeded());
            page.await(() -> page.eval("document.querySelector('tr[data-live] .state').innerText").asText()
                    .contains("2/4 ended, 2 running now"));
            assertThat(page.eval("document.querySelectorAll('tr[data-live] svg.bar rect').length").asInt()).isEqualTo(3);

            // An execution: failures first; click a filter, then sort by node.
            page.open(base + ids[0] + "/");
            assertThat(page.eval("[...document.querySelectorAll('table.nodes tbody tr td:first-child')].map(td => td.innerText).join('|')")
                    .asText()).isEqualTo(DashboardTest.HOSTILE + "|bad|quiet|good");
            assertThat(page.eval("document.querySelectorAll('img').length").asInt()).as("hostile names stay text").isZero();
            assertThat(page.eval("document.title").asText()).isEqualTo("Execution " + ids[0]);
            page.screenshot(SHOTS.resolve("dashboard-execution.png"));
            page.click("nav.filter a[href*='outcome=NO_REPORT']");
            assertThat(page.eval("[...document.querySelectorAll('table.nodes tbody tr td:first-child')].map(td => td.innerText).join('|')")
                    .asText()).isEqualTo("quiet");
            page.click("nav.filter a[href$='sort=outcome']");
            page.click("th a.sort[href*='sort=node']");
            assertThat(page.eval("[...document.querySelectorAll('table.nodes tbody tr td:first-child')].map(td => td.innerText).join('|')")
                    .asText()).isEqualTo(DashboardTest.HOSTILE + "|bad|good|quiet");
            // The node's files resolve; the full listing is on the page.
            assertThat(page.eval("fetch(document.querySelector('a[href=\"good-report.txt\"]').href).then(r => r.status)").asInt()).isEqualTo(200);
            assertThat(page.eval("document.getElementById('files') !== null").asBoolean()).isTrue();

            // Nodes × executions; a cell links to the node's row.
            page.open(base + "nodes");
            assertThat(page.eval("document.body.innerText").asText()).contains("4 nodes × 2 executions");
            page.screenshot(SHOTS.resolve("dashboard-nodes.png"));
            page.click("td.cell.o-succeeded a");
            assertThat(page.eval("location.hash").asText()).isEqualTo("#node-good");
            assertThat(page.eval("document.querySelector(':target td').innerText").asText()).isEqualTo("good");

            // A phone-width window: nothing wider than the screen but the scrolling tables.
            page.viewport(390, 844, true);
            page.open(base);
            assertThat(page.eval("document.body.scrollWidth <= window.innerWidth").asBoolean()).isTrue();
            page.screenshot(SHOTS.resolve("dashboard-executions-phone.png"));

            // JavaScript off: everything still readable.
            Chromium.Page plain = chromium.newPage();
            plain.javascript(false);
            plain.viewport(1280, 800, false);
            plain.send("Page.navigate", java.util.Map.of("url", base + ids[0] + "/"));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> plain.send("DOM.getDocument",
                    java.util.Map.of()).path("root").path("documentURL").asText().endsWith(ids[0] + "/"));
            String html = plain.send("DOM.getOuterHTML", java.util.Map.of("nodeId", plain.send("DOM.getDocument", java.util.Map.of())
                    .path("root").path("nodeId").asInt())).path("outerHTML").asText();
            assertThat(html).contains("1 succeeded · 2 failed · 1 no report").contains("exit code 3").doesNotContain("data-dashboard=\"live\"");
        }
    }
}

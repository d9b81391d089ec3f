package io.batchjob.sandbox;

import io.batchjob.app.Listen;
import io.batchjob.core.execution.TriggerOutcome;
import io.batchjob.testkit.browser.Chromium;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard of a sandbox run with mixed outcomes (succeeded, failed, no report, timed out),
 * in headless Chromium: the executions page follows the run live, then each page says what
 * happened. Screenshots (the README's) go to {@code target/screenshots/}.
 */
class SandboxDashboardIT {

    private static final Path SHOTS = Path.of("target", "screenshots");

    private static final String CONFIG = """
            name: dashboard
            podPoolSize: 3
            cronExpression: ""
            jobTimeout: 6s
            savePodLog: true
            metrics:
              prefix: dashboard
              gauges:
                my_metric: {help: a metric, labels: [label_a, label_b]}
            """;

    @TempDir
    Path dir;

    @Test
    void aMixedRunReadsRightOnEveryPage() throws Exception {
        Chromium.requireInstalled();
        String template = new String(Sandbox.class.getResourceAsStream("pod-template.yaml").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        try (SandboxCluster sandbox = SandboxCluster.start(12, CONFIG, template, dir.resolve("reports"), Listen.loopbackAnyPort(),
                SandboxCluster.mixedOutcomes());
             Chromium chromium = Chromium.start(dir.resolve("profile"))) {
            sandbox.controller().leadership().get(30, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + sandbox.controller().reportPort() + "/";
            TriggerOutcome.Started run = (TriggerOutcome.Started) sandbox.controller().engine().trigger("manual");
            Chromium.Page page = chromium.newPage();
            page.viewport(1280, 800, false);
            page.open(base);
            // Live: the running row's progress moves while the jobs end, without a reload.
            String first = page.eval("document.querySelector('tr[data-live] .state').innerText").asText();
            assertThat(first).startsWith("running: ");
            page.await(() -> !page.eval("document.querySelector('tr .state').innerText").asText().equals(first));
            run.completion().get(60, TimeUnit.SECONDS);
            page.await(() -> page.eval("document.querySelector('tr .state').innerText").asText().equals("finished"));
            assertThat(page.eval("document.body.innerText").asText())
                    .contains("5 succeeded · 3 failed · 2 no report · 2 timed out").contains("manual")
                    .contains("leader sandbox-controller (this replica)").contains("schedule none");
            page.screenshot(SHOTS.resolve("sandbox-executions.png"));

            page.open(base + run.executionId() + "/");
            String text = page.eval("document.body.innerText").asText();
            assertThat(text).contains("sandbox-node-2", "failed", "sandbox-node-3", "no report", "sandbox-node-4", "timed out",
                    "the job ran longer than jobTimeout 6s", "my_metric{label_a=AAA,label_b=sandbox-node-1}=1.0");
            // Failures first, each group in natural order (node-2 before node-12).
            assertThat(page.eval("[...document.querySelectorAll('table.nodes tbody tr td:first-child')].map(td => td.innerText).join('|')")
                    .asText()).isEqualTo("sandbox-node-2|sandbox-node-7|sandbox-node-12|sandbox-node-4|sandbox-node-9|sandbox-node-3|"
                            + "sandbox-node-8|sandbox-node-1|sandbox-node-5|sandbox-node-6|sandbox-node-10|sandbox-node-11");
            // A failed node's saved log is linked from its row.
            assertThat(page.eval("fetch(document.querySelector('tr#node-sandbox-node-2 a[href=\"sandbox-node-2-container-job.log\"]').href)"
                    + ".then(r => r.text())").asText()).contains("failed with exit code 1");
            assertThat(page.eval("fetch(document.querySelector('a[href=\"sandbox-node-1-test.txt\"]').href).then(r => r.text())").asText())
                    .isEqualTo("hello from sandbox-node-1\n");
            page.screenshot(SHOTS.resolve("sandbox-execution.png"));

            page.open(base + "nodes");
            assertThat(page.eval("document.querySelectorAll('td.cell').length").asInt()).isEqualTo(12);
            page.screenshot(SHOTS.resolve("sandbox-nodes.png"));

            // What failed, and why, is on the screen at a phone's width and a desktop's: every box that says it lies
            // inside the viewport (no sideways scrolling to find the outcome, state or reason).
            String inside = "((sel) => { const els = [...document.querySelectorAll(sel)]; return els.length > 0 && els.every(e => {"
                    + " const r = e.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 0.5; }); })";
            for (int width : new int[]{390, 1400}) {
                page.viewport(width, 844, width < 600);
                String suffix = width < 600 ? "-phone" : "";
                page.open(base);
                for (String sel : new String[]{"p.controller", "table.executions td.outcomes", "table.executions td.state", ".counts"}) {
                    assertThat(page.eval(inside + "('" + sel + "')").asBoolean()).as("%s at %d px", sel, width).isTrue();
                }
                assertThat(page.eval("document.documentElement.scrollWidth <= window.innerWidth").asBoolean()).as("/ at %d px", width).isTrue();
                page.screenshot(SHOTS.resolve("dashboard-executions" + suffix + ".png"));
                page.open(base + run.executionId() + "/");
                for (String sel : new String[]{"tr.o-failed td.outcome", "tr.o-failed td.reason", "tr.o-timed_out td.reason",
                        "tr.o-no_report td.outcome", "tr.o-succeeded td.result"}) {
                    assertThat(page.eval(inside + "('" + sel + "')").asBoolean()).as("%s at %d px", sel, width).isTrue();
                }
                assertThat(page.eval("document.querySelector('tr.o-failed td.reason').innerText").asText()).contains("exited with code 1");
                page.screenshot(SHOTS.resolve("dashboard-execution" + suffix + ".png"));
                page.open(base + "nodes");
                for (String sel : new String[]{"table.grid tr > td:last-child", "table.grid th.id:last-child", "table.grid td:first-child"}) {
                    assertThat(page.eval(inside + "('" + sel + "')").asBoolean()).as("%s at %d px", sel, width).isTrue();
                }
                assertThat(page.eval("document.querySelector('table.grid th.id:last-child').innerText.replace(/\\s/g, '')").asText())
                        .isEqualTo(run.executionId());
                page.screenshot(SHOTS.resolve("dashboard-nodes" + suffix + ".png"));
            }
        }
    }
}

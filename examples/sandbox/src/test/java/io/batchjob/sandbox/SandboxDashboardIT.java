package io.batchjob.sandbox;

import io.batchjob.app.Listen;
import io.batchjob.callback.Chromium;
import io.batchjob.core.execution.TriggerOutcome;
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
        try (SandboxCluster sandbox = SandboxCluster.start(5, CONFIG, template, dir.resolve("reports"), Listen.loopbackAnyPort(),
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
                    .contains("2 succeeded · 1 failed · 1 no report · 1 timed out").contains("manual");
            page.screenshot(SHOTS.resolve("sandbox-executions.png"));

            page.open(base + run.executionId() + "/");
            String text = page.eval("document.body.innerText").asText();
            assertThat(text).contains("sandbox-node-2", "failed", "sandbox-node-3", "no report", "sandbox-node-4", "timed out",
                    "the job ran longer than jobTimeout 6s", "my_metric{label_a=AAA,label_b=sandbox-node-1}=1.0");
            assertThat(page.eval("[...document.querySelectorAll('table.nodes tbody tr td:first-child')].map(td => td.innerText).join('|')")
                    .asText()).isEqualTo("sandbox-node-2|sandbox-node-4|sandbox-node-3|sandbox-node-1|sandbox-node-5");
            assertThat(page.eval("fetch(document.querySelector('a[href=\"sandbox-node-1-test.txt\"]').href).then(r => r.text())").asText())
                    .isEqualTo("hello from sandbox-node-1\n");
            page.screenshot(SHOTS.resolve("sandbox-execution.png"));

            page.open(base + "nodes");
            assertThat(page.eval("document.querySelectorAll('td.cell').length").asInt()).isEqualTo(5);
            page.screenshot(SHOTS.resolve("sandbox-nodes.png"));
        }
    }
}

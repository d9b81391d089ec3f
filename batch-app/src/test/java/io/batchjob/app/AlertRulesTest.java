package io.batchjob.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.batchjob.app.helm.HelmChart;
import io.batchjob.testkit.Promtool;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert rules: deploy/monitoring/alert-rules.yaml is the chart's PrometheusRule with the
 * defaults; {@code promtool check rules} accepts it and the rules of the maximal values;
 * {@code promtool test rules} passes alert-rules.test.yaml (each alert firing, and not firing, on
 * series shaped like the controller's). promtool is built from Go modules (testing/promtool).
 */
class AlertRulesTest {

    private static final Path MONITORING = Path.of("..", "deploy", "monitoring").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode chartRules(Path valuesFile) throws Exception {
        PrometheusRule rule = HelmChart.one(HelmChart.render(valuesFile, Map.of("prometheusRule.enabled", true)), PrometheusRule.class);
        return JSON.readTree(new KubernetesSerialization().asJson(rule.getSpec()));
    }

    @Test
    void thePlainRuleFileIsTheChartsRulesWithTheDefaults() throws Exception {
        JsonNode plain = YAML.readTree(MONITORING.resolve("alert-rules.yaml").toFile());

        assertThat(plain).as("deploy/monitoring/alert-rules.yaml = the chart's PrometheusRule spec with the default values")
                .isEqualTo(chartRules(null));
    }

    @Test
    void promtoolAcceptsTheRulesOfTheDefaultsAndOfTheMaximalValues(@TempDir Path dir) throws Exception {
        Promtool.requireBuilt();
        Path maximal = dir.resolve("maximal-rules.yaml");
        YAML.writeValue(maximal.toFile(), chartRules(HelmChart.VALUES.get("maximal-values")));

        Promtool.Run plain = Promtool.run(MONITORING, "check", "rules", "alert-rules.yaml");
        Promtool.Run max = Promtool.run(dir, "check", "rules", maximal.getFileName().toString());

        assertThat(plain.exitCode()).as(plain.output()).isZero();
        assertThat(plain.output()).contains("SUCCESS: 6 rules found");
        assertThat(max.exitCode()).as(max.output()).isZero();
        assertThat(max.output()).contains("SUCCESS: 6 rules found");
    }

    @Test
    void everyAlertFiresAndStaysQuietAsItsPromtoolTestsExpect() throws Exception {
        Promtool.requireBuilt();

        Promtool.Run run = Promtool.run(MONITORING, "test", "rules", "alert-rules.test.yaml");

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("SUCCESS").doesNotContain("FAILED");
        // Every alert of the file is exercised by the tests.
        String tests = Files.readString(MONITORING.resolve("alert-rules.test.yaml"));
        chartRules(null).get("groups").get(0).get("rules").forEach(r ->
                assertThat(tests).as(r.get("alert").asText()).contains("alertname: " + r.get("alert").asText()));
    }

    @Test
    void aBrokenRuleMakesPromtoolFail(@TempDir Path dir) throws Exception {
        Promtool.requireBuilt();
        // The test file against rules whose node threshold is 4 instead of 3: the test at 35m must fail.
        String rules = Files.readString(MONITORING.resolve("alert-rules.yaml")).replace(">= 3", ">= 4");
        Files.writeString(dir.resolve("alert-rules.yaml"), rules);
        Files.copy(MONITORING.resolve("alert-rules.test.yaml"), dir.resolve("alert-rules.test.yaml"));

        Promtool.Run run = Promtool.run(dir, "test", "rules", "alert-rules.test.yaml");

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.output()).contains("FAILED").contains("BatchJobNodeFailing");
    }
}

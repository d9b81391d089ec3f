package io.batchjob.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PodTemplateTest {

    private static final String SOURCE = "ConfigMap 'ns/cm' key pod-template.yaml";

    private static String pod(String extra) {
        return "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: job\n      image: busybox\n" + extra;
    }

    @Test
    void substitutesTheThreePlaceholdersWithOrWithoutSpaces() {
        PodTemplate t = PodTemplate.parse(pod("      args: [\"{{.NodeName}}\", \"{{ .ExecutionID }}\", \"{{  .Namespace\t}}\"]\n"), SOURCE);

        assertThat(t.render("jobs", "20261127080000", "worker-1"))
                .contains("args: [\"worker-1\", \"20261127080000\", \"jobs\"]");
    }

    @Test
    void replacementValuesAreTakenLiterally() {
        PodTemplate t = PodTemplate.parse(pod("      args: [\"{{.NodeName}}\"]\n"), SOURCE);
        assertThat(t.render("ns", "1", "a$1\\b")).contains("[\"a$1\\b\"]");
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", value = {
            "{{.Foo}} => line 7: unknown placeholder '{{.Foo}}'",
            "{{ .NodeName | upper }} => unknown placeholder '{{ .NodeName | upper }}'",
            "{{.nodename}} => unknown placeholder '{{.nodename}}'",
            "{{ }} => unknown placeholder '{{ }}'",
            "{{.NodeName => an opening '{{' has no closing '}}'",
            "{{range .Items}}x{{end}} => unknown placeholder '{{range .Items}}'"})
    void rejectsAnyOtherPlaceholderAtLoad(String placeholder, String message) {
        assertThatThrownBy(() -> PodTemplate.parse(pod("      args: [\"" + placeholder + "\"]\n"), SOURCE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SOURCE)
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|the pod template is empty",
            "just text|must be a YAML mapping",
            "'kind: Deployment\nspec: {containers: [{name: a}]}'|has kind 'Deployment'; it must be a Pod",
            "'kind: Pod\nspec: {}'|needs spec.containers with at least one container",
            "'kind: Pod\nspec: {containers: []}'|needs spec.containers with at least one container",
            "'kind: Pod\nspec: [unclosed'|is not valid YAML"})
    void rejectsTemplatesThatAreNotPodManifests(String text, String message) {
        assertThatThrownBy(() -> PodTemplate.parse(text, SOURCE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }
}

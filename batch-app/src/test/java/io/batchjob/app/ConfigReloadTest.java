package io.batchjob.app;

import io.batchjob.core.config.ConfigException;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.ControllerConfig;
import io.batchjob.core.config.LoadedConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Live reload decisions: applied, refused (every problem named), restart-only keys, suspension, unchanged text. */
class ConfigReloadTest {

    private static final String TEMPLATE = "kind: Pod\nspec: {containers: [{name: a, image: busybox}]}\n";
    private static final String CONFIG = "name: scan\npodPoolSize: 2\ncronExpression: \"@hourly\"\n";

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<ControllerConfig> applied = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile String verifyProblem;
    private static final LoadedConfig INITIAL = withOverride(ConfigLoader.load(CONFIG, TEMPLATE, "test"));

    /** As the controller starts: REPORT_DIRECTORY overrides reportDirectory, at start and on every reload. */
    private static LoadedConfig withOverride(LoadedConfig l) {
        return new LoadedConfig(l.config().toBuilder().reportDirectory(Path.of("/override")).build(), l.podTemplate(), l.warnings());
    }

    private final ConfigReload reload = new ConfigReload("ConfigMap jobs/cm", INITIAL, CONFIG, TEMPLATE,
            c -> c.toBuilder().reportDirectory(Path.of("/override")).build(), new ConfigReload.Target() {
                @Override
                public void verify(LoadedConfig loaded) {
                    if (verifyProblem != null) {
                        throw new ConfigException("ConfigMap jobs/cm", List.of(verifyProblem));
                    }
                }

                @Override
                public void apply(LoadedConfig loaded) {
                    applied.add(loaded.config());
                }
            }, new ConfigReload.Report() {
                @Override
                public void event(boolean warning, String reason, String note) {
                    events.add((warning ? "Warning " : "Normal ") + reason + ": " + note);
                }

                @Override
                public void reloadFailed() {
                    failures.incrementAndGet();
                }
            });

    @AfterEach
    void close() {
        reload.close();
    }

    private static ConfigMap cm(String config, String template) {
        Map<String, String> data = new java.util.HashMap<>();
        if (config != null) {
            data.put("config.yaml", config);
        }
        if (template != null) {
            data.put("pod-template.yaml", template);
        }
        return new ConfigMapBuilder().withNewMetadata().withName("cm").endMetadata().withData(data).build();
    }

    @Test
    void aValidChangeIsAppliedWithTheKeysItChangesAndTheSameTextIsNotAppliedTwice() {
        reload.onConfigMap(cm(CONFIG, TEMPLATE)); // the version it started with: nothing to do
        reload.onConfigMap(cm(CONFIG.replace("podPoolSize: 2", "podPoolSize: 5") + "suspend: true\ncustom: {level: high}\n", TEMPLATE));
        await().until(() -> applied.size() == 1);
        assertThat(applied.get(0).podPoolSize()).isEqualTo(5);
        assertThat(applied.get(0).reportDirectory()).isEqualTo(Path.of("/override"));
        assertThat(applied.get(0).custom().string("level")).contains("high");
        await().until(() -> events.size() == 2);
        assertThat(events).containsExactly("Normal ConfigApplied: the changed config applies from the next trigger: suspend, podPoolSize, custom",
                "Normal Suspended: scheduled triggers are suspended; manual runs and re-runs still work");
        reload.onConfigMap(cm(CONFIG.replace("podPoolSize: 2", "podPoolSize: 5") + "suspend: true\ncustom: {level: high}\n", TEMPLATE));
        reload.onConfigMap(cm(CONFIG.replace("podPoolSize: 2", "podPoolSize: 6"), TEMPLATE.replace("busybox", "alpine")));
        await().until(() -> applied.size() == 2);
        assertThat(applied.get(1).podPoolSize()).isEqualTo(6);
        assertThat(reload.current().podPoolSize()).isEqualTo(6);
        await().until(() -> events.size() == 4);
        assertThat(events.get(3)).isEqualTo("Normal Resumed: scheduled triggers resume from the next tick (missed ticks do not fire)");
    }

    @Test
    void invalidChangesAreRefusedNamingEveryProblemAndTheOldConfigStays() {
        reload.onConfigMap(cm("name: scan\npodPoolSize: zero\njobTimeout: -1s\ncronExpression: \"61 * * * *\"\n", TEMPLATE));
        await().until(() -> failures.get() == 1);
        assertThat(events).singleElement().asString().startsWith("Warning ConfigRefused: the changed config is refused")
                .contains("podPoolSize").contains("jobTimeout").contains("cronExpression");
        reload.onConfigMap(cm(CONFIG, "kind: Pod\nspec: {containers: [{name: a, image: \"{{.Nope}}\"}]}\n"));
        await().until(() -> failures.get() == 2);
        reload.onConfigMap(cm(null, TEMPLATE));
        await().until(() -> failures.get() == 3);
        assertThat(events.get(2)).contains("keys 'config.yaml' and 'pod-template.yaml' are both required");
        reload.onConfigMap(cm("::: not yaml", TEMPLATE));
        await().until(() -> failures.get() == 4);
        verifyProblem = "spec.containers[0].name: Invalid value";
        reload.onConfigMap(cm(CONFIG.replace("@hourly", "@daily"), TEMPLATE));
        await().until(() -> failures.get() == 5);
        assertThat(events.get(4)).contains("spec.containers[0].name: Invalid value");
        assertThat(applied).isEmpty();
        assertThat(reload.current().podPoolSize()).isEqualTo(2);
    }

    @Test
    void eventsNameExactlyWhatChangedAndRestartOnlyChangesAreNoConfigApplied() {
        // Only restart-only keys, one of them overridden by the environment (REPORT_DIRECTORY): no "applied", but named.
        reload.onConfigMap(cm(CONFIG + "reportDirectory: /elsewhere\nmaxUploadSize: 5Mi\n", TEMPLATE));
        await().until(() -> events.size() == 1);
        assertThat(events).containsExactly(
                "Warning ConfigNeedsRestart: these keys change only after a restart of the controller: reportDirectory, maxUploadSize");
        assertThat(applied.get(0).reportDirectory()).isEqualTo(Path.of("/override"));
        // The template alone: named as the key it is.
        reload.onConfigMap(cm(CONFIG + "reportDirectory: /elsewhere\nmaxUploadSize: 5Mi\n", TEMPLATE.replace("busybox", "alpine")));
        await().until(() -> events.size() == 2);
        assertThat(events.get(1)).isEqualTo("Normal ConfigApplied: the changed config applies from the next trigger: pod-template.yaml");
        // A key and the template together; the restart-only keys, already told, are not told again.
        reload.onConfigMap(cm(CONFIG.replace("podPoolSize: 2", "podPoolSize: 4") + "reportDirectory: /elsewhere\nmaxUploadSize: 5Mi\n",
                TEMPLATE.replace("busybox", "debian")));
        await().until(() -> events.size() == 3);
        assertThat(events.get(2)).isEqualTo("Normal ConfigApplied: the changed config applies from the next trigger: podPoolSize, pod-template.yaml");
        // A comment: nothing the controller uses changed, nothing to tell.
        long looks = reload.completedLooks();
        reload.onConfigMap(cm("# a comment\n" + CONFIG.replace("podPoolSize: 2", "podPoolSize: 4") + "reportDirectory: /elsewhere\nmaxUploadSize: 5Mi\n",
                TEMPLATE.replace("busybox", "debian")));
        await().until(() -> reload.completedLooks() > looks);
        assertThat(applied).hasSize(4);
        assertThat(events).hasSize(3);
    }

    @Test
    void restartOnlyKeysKeepTheirValueAndAreWarnedAbout() {
        reload.onConfigMap(cm(CONFIG.replace("name: scan", "name: other") + "healthProbePort: 9999\nreportHistory: 3\n", TEMPLATE));
        await().until(() -> applied.size() == 1 && events.size() == 2);
        assertThat(applied.get(0).name()).isEqualTo("scan");
        assertThat(applied.get(0).healthProbePort()).isEqualTo(9152);
        assertThat(applied.get(0).reportHistory()).isEqualTo(3);
        assertThat(events).containsExactly("Normal ConfigApplied: the changed config applies from the next trigger: reportHistory",
                "Warning ConfigNeedsRestart: these keys change only after a restart of the controller: name, healthProbePort");
    }
}

package io.batchjob.k8s;

import io.batchjob.core.execution.ExecutionPlan;
import io.batchjob.core.report.ReportStore;
import io.batchjob.testkit.k8s.RealApi;
import io.batchjob.testkit.k8s.RealApiCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The running execution's plan in {@code <name>-execution} on the real API server: what a new leader with its own volume reads. */
@RealApi
class ConfigMapHandoverRealApiIT {

    RealApiCluster cluster;

    @TempDir
    Path reports;

    @Test
    void aStartedExecutionIsUnfinishedUntilItsOwnEndAndTheNextStartReplacesIt() {
        var admin = cluster.admin();
        String owner = admin.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("handover-owner").endMetadata().build())
                .create().getMetadata().getUid();
        OwnerReference ref = new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withName("handover-owner").withUid(owner)
                .build();
        ConfigMapHandover handover = new ConfigMapHandover(admin, cluster.namespace(), "scan", ref, new ReportStore(reports).json());
        assertThat(handover.unfinished()).as("nothing written yet").isEmpty();

        ExecutionPlan plan = new ExecutionPlan("20261203120000", "schedule", Instant.parse("2026-12-03T12:00:00Z"), List.of("a", "b.example"),
                "run=1", List.of("gone"));
        handover.started(plan);
        ConfigMap written = admin.configMaps().inNamespace(cluster.namespace()).withName("scan-execution").get();
        assertThat(written.getData()).containsEntry("state", "running");
        assertThat(written.getMetadata().getOwnerReferences()).extracting(OwnerReference::getUid).containsExactly(owner);
        assertThat(handover.unfinished()).contains(plan);

        handover.finished("20261203110000"); // an older execution's late end changes nothing
        assertThat(handover.unfinished()).contains(plan);
        handover.finished(plan.executionId());
        assertThat(handover.unfinished()).isEmpty();

        ExecutionPlan next = new ExecutionPlan("20261203130000", "manual", Instant.parse("2026-12-03T13:00:00Z"), List.of("c"));
        handover.started(next);
        assertThat(handover.unfinished()).contains(next);
        assertThat(admin.configMaps().inNamespace(cluster.namespace()).withName("scan-execution").get().getData())
                .isEqualTo(Map.of("plan.json", admin.configMaps().inNamespace(cluster.namespace()).withName("scan-execution").get().getData()
                        .get("plan.json"), "state", "running"));

        // Something else in the ConfigMap (edited by hand) is not a plan: nothing to adopt.
        admin.configMaps().inNamespace(cluster.namespace()).withName("scan-execution").edit(cm -> {
            cm.getData().put("plan.json", "{not json");
            return cm;
        });
        assertThat(handover.unfinished()).isEmpty();
    }
}

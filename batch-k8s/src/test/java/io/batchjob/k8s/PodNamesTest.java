package io.batchjob.k8s;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class PodNamesTest {

    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    @Test
    void isTheGoControllersNameForSimpleNodes() {
        assertThat(PodNames.of("scan", "worker-1", "20261127080000")).isEqualTo("scan-job-worker-1-20261127080000");
    }

    @Test
    void staysUniqueWhenTwoNodesShareTheirFirstLabel() {
        String a = PodNames.of("scan", "worker-1.zone-a.example", "20261127080000");
        String b = PodNames.of("scan", "worker-1.zone-b.example", "20261127080000");

        assertThat(a).isNotEqualTo(b).startsWith("scan-job-worker-1-").endsWith("-20261127080000");
        assertThat(a).matches(DNS_SUBDOMAIN.pattern()).hasSizeLessThanOrEqualTo(63);
    }

    @Test
    void shortensLongNodeNamesToSixtyThreeCharactersAndKeepsThemUnique() {
        String node1 = "ip-10-0-0-1-a-very-long-node-name-from-a-cloud-provider-that-goes-on";
        String node2 = "ip-10-0-0-1-a-very-long-node-name-from-a-cloud-provider-that-goes-on-and-on";
        String a = PodNames.of("compliance-scanner", node1, "20261127080000");
        String b = PodNames.of("compliance-scanner", node2, "20261127080000");

        assertThat(a).hasSizeLessThanOrEqualTo(63).matches(DNS_SUBDOMAIN.pattern()).endsWith("-20261127080000");
        assertThat(b).hasSizeLessThanOrEqualTo(63).isNotEqualTo(a);
    }

    @Test
    void isStableForTheSameInput() {
        assertThat(PodNames.of("s", "n.x", "1")).isEqualTo(PodNames.of("s", "n.x", "1"));
    }

    @Test
    void aLaterAttemptHasAnameOfItsOwnWithinTheSameLimitsAndTheFirstKeepsTheGoName() {
        assertThat(PodNames.of("scan", "worker-1", "202612031200", 1)).isEqualTo(PodNames.of("scan", "worker-1", "202612031200"))
                .isEqualTo("scan-job-worker-1-202612031200");
        assertThat(PodNames.of("scan", "worker-1", "202612031200", 2)).isEqualTo("scan-job-worker-1-202612031200-r2");
        String longNode = "a-very-long-node-name-that-fills-the-whole-host-name-of-the-pod";
        String later = PodNames.of("scan", longNode, "202612031200", 10);
        assertThat(later).hasSizeLessThanOrEqualTo(PodNames.MAX).endsWith("-202612031200-r10")
                .isNotEqualTo(PodNames.of("scan", longNode, "202612031200", 1));
    }

}

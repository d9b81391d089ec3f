package io.batchjob.examples.embedded;

import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedEngineExampleTest {

    @Test
    void runsOneExecutionAndPrintsItsSummary(@TempDir Path reports) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();

        ExecutionSummary summary = EmbeddedEngineExample.run(reports, List.of("host-a", "host-b", "host-c"),
                new PrintStream(buf, true, StandardCharsets.UTF_8));

        assertThat(summary.jobs()).extracting(j -> j.outcome()).containsOnly(JobOutcome.SUCCEEDED).hasSize(3);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("execution " + summary.executionId() + ": 3 jobs")
                .containsPattern("host-a +SUCCEEDED")
                .contains("host-b ended: SUCCEEDED");
        assertThat(reports.resolve(".controller").resolve(summary.executionId()).resolve("_summary.json")).exists();
    }
}

package io.batchjob.examples.minimal;

import io.batchjob.core.spi.ExecutionSummary;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class MinimalEmbeddingTest {

    @TempDir
    Path reports;

    @Test
    void theGuidesProgramRunsEveryHostToSuccessAndRecordsTheSummary() throws Exception {
        ExecutionSummary summary = MinimalEmbedding.run(reports);

        assertThat(summary.jobs()).extracting(JobSummary::node).containsExactly("alpha", "beta", "gamma");
        assertThat(summary.jobs()).extracting(JobSummary::outcome).containsOnly(JobOutcome.SUCCEEDED);
        // The engine keeps its records in the report directory (the result files are the callback API's to write).
        assertThat(reports.resolve(".controller").resolve(summary.executionId()).resolve("_summary.json")).content()
                .contains("\"SUCCEEDED\" : 3");
    }

    /** The guide shows this program as it is compiled here: the file and the guide cannot drift apart. */
    @Test
    void theEmbeddingGuideShowsThisVeryProgram() throws Exception {
        String source = Files.readString(Path.of("src/main/java/io/batchjob/examples/minimal/MinimalEmbedding.java"));
        String guide = Files.readString(Path.of("../../docs/embedding.md"));
        String program = source.substring(source.indexOf("public final class MinimalEmbedding"));
        assertThat(guide).contains(program.strip());
        assertThat(program.lines().count()).as("a short program").isLessThanOrEqualTo(50);
    }
}

package io.batchjob.core.spi;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an execution did, once every job ended. Also written as {@code _summary.json} in the
 * execution's report directory.
 *
 * @param executionId the execution
 * @param cause       what triggered it
 * @param startedAt   when it started
 * @param endedAt     when its last job ended
 * @param resumed     whether it was taken over after a restart or leader change
 * @param jobs        every node's job, in dispatch order
 * @param unseen      nodes whose results this controller could not see: their jobs ended before it took the
 *                    execution over from a controller whose report directory it does not share (their results
 *                    and files, if they sent any, are in that directory)
 */
public record ExecutionSummary(String executionId, String cause, Instant startedAt, Instant endedAt, boolean resumed,
                               List<JobSummary> jobs, List<String> unseen) {

    public ExecutionSummary(String executionId, String cause, Instant startedAt, Instant endedAt, boolean resumed, List<JobSummary> jobs) {
        this(executionId, cause, startedAt, endedAt, resumed, jobs, List.of());
    }

    public ExecutionSummary {
        unseen = unseen == null ? List.of() : List.copyOf(unseen);
        Objects.requireNonNull(executionId, "executionId");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        jobs = List.copyOf(jobs);
    }

    /** Wall time from start to the end of the last job, in milliseconds. */
    @JsonProperty("durationMillis")
    public long durationMillis() {
        return Math.max(0, Duration.between(startedAt, endedAt).toMillis());
    }

    /** Number of jobs per outcome (every outcome present, possibly 0). */
    @JsonProperty("counts")
    public Map<JobOutcome, Integer> counts() {
        Map<JobOutcome, Integer> counts = new EnumMap<>(JobOutcome.class);
        for (JobOutcome o : JobOutcome.values()) {
            counts.put(o, 0);
        }
        jobs.forEach(j -> counts.merge(j.outcome(), 1, Integer::sum));
        return counts;
    }

    /** Whether every node succeeded (an execution without nodes counts as successful). */
    public boolean allSucceeded() {
        return jobs.stream().allMatch(j -> j.outcome() == JobOutcome.SUCCEEDED);
    }
}

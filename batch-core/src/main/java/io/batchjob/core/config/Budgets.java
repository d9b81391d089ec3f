package io.batchjob.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Totals one job, or all kept executions together, may use — checked before anything is stored,
 * because limits per request do not bound what many small, individually valid requests add up to.
 * Defaults fit the chart's 1 GiB container (768 MiB heap).
 *
 * @param maxFilesPerJob    files one job may upload into its execution (a file uploaded again under
 *                          the same name replaces it and does not count twice); more is a 413
 * @param maxBytesPerJob    bytes all of one job's uploads may total; more is a 413
 * @param maxSeriesInMemory result series the metrics may hold in all (every kept execution, the
 *                          {@code latest} copies and the per-node series included); a result that
 *                          would go beyond is a 507, and at start-up older results that do not fit
 *                          are not replayed
 */
public record Budgets(int maxFilesPerJob, long maxBytesPerJob, long maxSeriesInMemory) {

    public static final int DEFAULT_MAX_FILES_PER_JOB = 10_000;
    public static final long DEFAULT_MAX_BYTES_PER_JOB = 1L << 30;
    public static final long DEFAULT_MAX_SERIES_IN_MEMORY = 2_000_000;

    /** The defaults. */
    public static final Budgets DEFAULT = new Budgets(DEFAULT_MAX_FILES_PER_JOB, DEFAULT_MAX_BYTES_PER_JOB, DEFAULT_MAX_SERIES_IN_MEMORY);

    public Budgets {
        List<String> problems = problems(maxFilesPerJob, maxBytesPerJob, maxSeriesInMemory);
        if (!problems.isEmpty()) {
            throw new ConfigException("config", problems);
        }
    }

    static List<String> problems(long maxFilesPerJob, long maxBytesPerJob, long maxSeriesInMemory) {
        List<String> p = new ArrayList<>();
        if (maxFilesPerJob < 1 || maxFilesPerJob > Integer.MAX_VALUE) {
            p.add("key 'maxFilesPerJob': value " + maxFilesPerJob + " is invalid: must be from 1 to " + Integer.MAX_VALUE);
        }
        if (maxBytesPerJob < 1) {
            p.add("key 'maxBytesPerJob': value " + maxBytesPerJob + " is invalid: must be a size of at least 1 byte, e.g. 1Gi");
        }
        if (maxSeriesInMemory < 1) {
            p.add("key 'maxSeriesInMemory': value " + maxSeriesInMemory + " is invalid: must be at least 1");
        }
        return p;
    }

    public Budgets withMaxFilesPerJob(int v) {
        return new Budgets(v, maxBytesPerJob, maxSeriesInMemory);
    }

    public Budgets withMaxBytesPerJob(long v) {
        return new Budgets(maxFilesPerJob, v, maxSeriesInMemory);
    }

    public Budgets withMaxSeriesInMemory(long v) {
        return new Budgets(maxFilesPerJob, maxBytesPerJob, v);
    }
}

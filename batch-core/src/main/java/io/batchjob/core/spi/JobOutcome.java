package io.batchjob.core.spi;

/** How one node's job ended, for summaries, metrics and events. */
public enum JobOutcome {
    /** The job ended well and its result arrived. */
    SUCCEEDED,
    /** The job failed, was deleted, or could not be created or started. */
    FAILED,
    /** The job ended well but never sent a result. */
    NO_REPORT,
    /** The job ran longer than {@code jobTimeout} and was stopped. */
    TIMED_OUT,
    /**
     * The job had not ended (or not started) when a new trigger replaced its execution
     * ({@code concurrencyPolicy: Replace}, the Go controller's behaviour); its pod was deleted.
     */
    REPLACED;

    /** {@code true} for every outcome but {@link #SUCCEEDED}: the value of the processing gauge. */
    public boolean isProblem() {
        return this != SUCCEEDED;
    }
}

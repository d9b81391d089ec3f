package io.batchjob.core.spi;

/**
 * Where a {@link JobBackend} reports that one job ended. Thread-safe, never blocks: call it from
 * any thread (an informer callback, a process reaper). Calls after the first are ignored.
 */
@FunctionalInterface
public interface JobEndListener {

    /** The job ended; its pool slot is freed at once. */
    void jobEnded(JobEnd end);
}

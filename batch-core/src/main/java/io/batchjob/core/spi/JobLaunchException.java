package io.batchjob.core.spi;

/**
 * A job could not be created (rejected by the API, quota, invalid template, already exists).
 * The job ends as failed with this message as its reason and its slot is freed.
 */
public class JobLaunchException extends Exception {
    public JobLaunchException(String message) {
        super(message);
    }

    public JobLaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}

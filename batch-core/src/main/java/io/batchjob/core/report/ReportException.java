package io.batchjob.core.report;

/** Base of the report store's unchecked exceptions. */
public abstract class ReportException extends RuntimeException {
    protected ReportException(String message) {
        super(message);
    }

    protected ReportException(String message, Throwable cause) {
        super(message, cause);
    }
}

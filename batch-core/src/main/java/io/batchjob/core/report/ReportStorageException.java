package io.batchjob.core.report;

/** The report directory could not be read or written (disk full, permissions). HTTP layers answer 500/507. */
public class ReportStorageException extends ReportException {
    public ReportStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}

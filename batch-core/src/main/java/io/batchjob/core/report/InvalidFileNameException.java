package io.batchjob.core.report;

/**
 * A file name was refused by {@link FileNames}. The message says why without echoing control
 * characters; HTTP layers answer it with 400.
 */
public class InvalidFileNameException extends ReportException {
    public InvalidFileNameException(String message) {
        super(message);
    }
}

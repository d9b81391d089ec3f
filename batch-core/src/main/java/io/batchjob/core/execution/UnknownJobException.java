package io.batchjob.core.execution;

/**
 * A callback names an execution or node the engine is not running (the Go controller answered
 * 406). The message says which and why.
 */
public class UnknownJobException extends RuntimeException {
    public UnknownJobException(String message) {
        super(message);
    }
}

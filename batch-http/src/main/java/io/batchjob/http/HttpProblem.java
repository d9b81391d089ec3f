package io.batchjob.http;

/**
 * A request that is answered with an error status and a plain-text message saying what is wrong
 * and how to fix it. Thrown by endpoint code, turned into a response by {@link ProblemHandler}.
 */
public class HttpProblem extends RuntimeException {

    private final int status;
    private final int retryAfterSeconds;

    public HttpProblem(int status, String message) {
        this(status, message, 0);
    }

    /** With a {@code Retry-After} header of {@code retryAfterSeconds} when that is positive (429, 503). */
    public HttpProblem(int status, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    /** Seconds for the {@code Retry-After} header; 0 for none. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}

package io.batchjob.callback;

/**
 * A request that is answered with an error status and a plain-text message saying what is wrong
 * and how to fix it. Thrown by endpoint code, turned into a response by {@link ProblemHandler}.
 */
public class HttpProblem extends RuntimeException {

    private final int status;

    public HttpProblem(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}

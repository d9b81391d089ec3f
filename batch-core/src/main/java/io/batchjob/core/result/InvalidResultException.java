package io.batchjob.core.result;

/**
 * A result body was rejected. The message says where (e.g. {@code my_metric[1].value}) and why,
 * in words a job author can act on; HTTP layers send it as the 400 body.
 */
public class InvalidResultException extends RuntimeException {
    public InvalidResultException(String message) {
        super(message);
    }
}

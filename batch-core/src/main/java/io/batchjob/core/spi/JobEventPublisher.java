package io.batchjob.core.spi;

/**
 * Creates the Events jobs ask for through the callback API. The Kubernetes backend creates
 * {@code events.k8s.io/v1} Events about the job's pod; an embedder may log them or forward them.
 * Called on an HTTP worker thread; may block for a remote call.
 */
@FunctionalInterface
public interface JobEventPublisher {

    /**
     * @throws JobEventException when the event could not be created (the caller answers 5xx)
     */
    void publish(JobEvent event) throws JobEventException;

    /** The event could not be created; the message says why. */
    class JobEventException extends Exception {
        public JobEventException(String message, Throwable cause) {
            super(message, cause);
        }

        public JobEventException(String message) {
            super(message);
        }
    }
}

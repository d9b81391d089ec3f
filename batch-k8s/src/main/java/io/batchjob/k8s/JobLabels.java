package io.batchjob.k8s;

/** The labels the Go controller put on job pods; kept identical so existing selectors keep working. */
public final class JobLabels {

    /** Value: the controller's {@code name}. */
    public static final String OWNER = "batch-job-controller.bakito.github.com/owner";
    /** Value: the execution ID. */
    public static final String EXECUTION_ID = "batch-job-controller.bakito.github.com/execution-id";

    /**
     * Annotation holding the job's callback secret, so a restarted controller can verify the
     * callbacks of pods it adopts. Readable by whoever may read pods in the namespace, like the
     * pod's environment.
     */
    /** Annotation with the attempt of the node's job a pod runs, on pods of a later attempt than the first ({@code jobRetries}). */
    public static final String ATTEMPT = "batch-job-controller.bakito.github.com/attempt";
    public static final String CALLBACK_SECRET = "batch-job-controller.bakito.github.com/callback-secret";

    private JobLabels() {
    }
}

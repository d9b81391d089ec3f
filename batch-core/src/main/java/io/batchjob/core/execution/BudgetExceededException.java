package io.batchjob.core.execution;

/**
 * A request would take a job, or the controller, beyond one of its {@link io.batchjob.core.config.Budgets}:
 * refused before anything is stored. The callback API answers {@link #status()} (413 for a job's own
 * budget, 507 for the controller's) with the message, which names the budget, its value and what
 * the request would have made of it.
 */
public class BudgetExceededException extends RuntimeException {

    private final String budget;
    private final int status;

    /**
     * @param budget the config key of the budget, e.g. {@code maxFilesPerJob}
     * @param status 413 (the job's budget) or 507 (the controller's)
     */
    public BudgetExceededException(String budget, int status, String message) {
        super(message);
        this.budget = budget;
        this.status = status;
    }

    /** The config key of the budget. */
    public String budget() {
        return budget;
    }

    /** The HTTP status a caller is answered with. */
    public int status() {
        return status;
    }
}

package io.batchjob.core.report;

/** A write went over its byte limit; nothing was kept. HTTP layers answer it with 413. */
public class SizeLimitExceededException extends ReportException {
    private final long limit;

    public SizeLimitExceededException(long limit) {
        super("the content is larger than the limit of " + limit + " bytes");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}

package io.batchjob.core.report;

/**
 * A write refused by the store's {@link io.batchjob.core.spi.WriteFence}: this controller does not
 * (certainly) lead now. Nothing was written; the leader does the work, so the write is dropped, not retried.
 */
public class FencedWriteException extends ReportStorageException {
    public FencedWriteException(String message) {
        super(message, null);
    }
}

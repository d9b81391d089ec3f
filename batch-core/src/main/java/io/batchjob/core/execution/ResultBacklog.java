package io.batchjob.core.execution;

import java.util.HashSet;
import java.util.Set;

/**
 * Bounds the parsed results handed to the events thread and not yet processed: at most one per
 * job (a job re-posting faster than listeners keep up waits for its previous result), and at most
 * {@code limitValues} values in all — except that an empty backlog always takes one result, so a
 * result as large as {@code maxSeriesPerResult} allows is never refused for its size alone.
 * Without this bound one job re-posting large results in parallel fills the heap.
 *
 * <p>Thread-safe: callback threads admit, the events thread releases; both briefly hold this
 * object's monitor and nothing else.
 */
final class ResultBacklog {

    /** The default bound: about 16 MiB of parsed values. */
    static final long DEFAULT_LIMIT_VALUES = 200_000;

    private final long limitValues;
    private final Set<String> queuedJobs = new HashSet<>();
    private long queuedValues;

    ResultBacklog(long limitValues) {
        if (limitValues < 1) {
            throw new IllegalArgumentException("limitValues must be at least 1");
        }
        this.limitValues = limitValues;
    }

    /**
     * Reserves room for one result of a job.
     *
     * @throws EngineBusyException when the job's previous result is still queued or the backlog is full
     */
    synchronized void admit(String job, long values) {
        if (queuedJobs.contains(job)) {
            throw new EngineBusyException("the previous result of this job is still being processed; send the new one in a second", 1);
        }
        if (queuedValues > 0 && queuedValues + values > limitValues) {
            throw new EngineBusyException("the controller is processing " + queuedValues + " result values; retry in a second", 1);
        }
        queuedJobs.add(job);
        queuedValues += values;
    }

    /** Frees what {@link #admit} reserved: the result was processed, or never handed over. */
    synchronized void release(String job, long values) {
        if (queuedJobs.remove(job)) {
            queuedValues -= values;
        }
    }

    synchronized long queuedValues() {
        return queuedValues;
    }
}

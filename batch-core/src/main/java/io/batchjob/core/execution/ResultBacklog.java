package io.batchjob.core.execution;

import io.batchjob.core.result.JobResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bounds the parsed results handed to the events thread and not yet processed. A job has at most
 * one result waiting: a newer one replaces it there (the listeners would replace it anyway, and
 * the stored {@code <node>.json} is the newer one too), so a job re-posting faster than the
 * listeners keep up costs no memory and slows no other job. All waiting and reserved results
 * together stay within {@code limitValues} values — except that an empty backlog always takes
 * one result, so a result as large as {@code maxSeriesPerResult} allows is never refused for its
 * size alone; beyond it admissions fail with {@link EngineBusyException}.
 *
 * <p>Thread-safe: callback threads reserve and offer, the events thread takes; all briefly hold
 * this object's monitor and nothing else.
 */
final class ResultBacklog {

    /** The default bound: about 16 MiB of parsed values. */
    static final long DEFAULT_LIMIT_VALUES = 200_000;

    private record Waiting(JobResult result, long values) {
    }

    private final long limitValues;
    private final Map<String, Waiting> waiting = new HashMap<>();
    /** Each reservation's values per job ("execution/node"); a job has at most a few calls open. */
    private final Map<String, List<Long>> reserved = new HashMap<>();
    private long waitingValues;
    private long reservedValues;

    ResultBacklog(long limitValues) {
        if (limitValues < 1) {
            throw new IllegalArgumentException("limitValues must be at least 1");
        }
        this.limitValues = limitValues;
    }

    /**
     * Reserves room for a result about to be stored.
     *
     * @throws EngineBusyException when the backlog is full
     */
    synchronized void reserve(String job, long values) {
        long used = waitingValues + reservedValues;
        if (used > 0 && used + values > limitValues) {
            throw new EngineBusyException("the controller is processing " + used + " result values; retry in a second", 1);
        }
        reservedValues += values;
        reserved.computeIfAbsent(job, k -> new ArrayList<>(2)).add(values);
    }

    /** Gives a reservation back unused. */
    synchronized void cancel(String job, long values) {
        reservedValues -= values;
        unreserve(job, values);
    }

    private void unreserve(String job, long values) {
        reserved.computeIfPresent(job, (k, list) -> {
            list.remove(Long.valueOf(values));
            return list.isEmpty() ? null : list;
        });
    }

    /**
     * Turns a reservation into a waiting result of the job.
     *
     * @return true when the caller must queue a task that {@link #take}s it; false when it replaced
     * a result still waiting (whose task takes the newer one)
     */
    synchronized boolean offer(String job, JobResult result, long values) {
        reservedValues -= values;
        unreserve(job, values);
        Waiting earlier = waiting.put(job, new Waiting(result, values));
        waitingValues += values;
        if (earlier != null) {
            waitingValues -= earlier.values();
            return false;
        }
        return true;
    }

    /** The job's waiting result (the newest offered), removed; null if none. */
    synchronized JobResult take(String job) {
        Waiting w = waiting.remove(job);
        if (w == null) {
            return null;
        }
        waitingValues -= w.values();
        return w.result();
    }

    synchronized long usedValues() {
        return waitingValues + reservedValues;
    }

    /**
     * Per job other than this one, the largest of its results waiting or reserved ("execution/node"
     * to values): such a job ends up holding one of them, instead of what it holds now.
     */
    synchronized Map<String, Long> pendingOfOthers(String job) {
        Map<String, Long> pending = new HashMap<>();
        reserved.forEach((j, list) -> pending.put(j, java.util.Collections.max(list)));
        waiting.forEach((j, w) -> pending.merge(j, w.values(), Math::max));
        pending.remove(job);
        return pending;
    }
}

package io.batchjob.core.testing;

import io.batchjob.core.schedule.TaskTimer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link TaskTimer} driven by a {@link ManualClock}: tasks run on the caller's thread when
 * {@link #advance(Duration)} moves the clock past their time, in time order. Tests never wait for
 * real time.
 */
public final class ManualTimer implements TaskTimer {

    private final ManualClock clock;
    private final PriorityQueue<Entry> queue = new PriorityQueue<>(
            Comparator.comparing((Entry e) -> e.at).thenComparingLong(e -> e.seq));
    private long seq;

    public ManualTimer(ManualClock clock) {
        this.clock = clock;
    }

    public ManualClock clock() {
        return clock;
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        Entry e = new Entry(clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay), seq++, task);
        queue.add(e);
        return () -> {
            synchronized (ManualTimer.this) {
                queue.remove(e);
            }
        };
    }

    /** Moves the clock forward step by step, running every task that becomes due. */
    public void advance(Duration d) {
        Instant end = clock.instant().plus(d);
        while (true) {
            Entry next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.at.isAfter(end)) {
                    break;
                }
                queue.poll();
            }
            if (next.at.isAfter(clock.instant())) {
                clock.set(next.at);
            }
            next.task.run();
        }
        clock.set(end);
    }

    /** Number of tasks waiting. */
    public synchronized int pending() {
        return queue.size();
    }

    /** Times of the waiting tasks, earliest first. */
    public synchronized List<Instant> dueTimes() {
        List<Instant> times = new ArrayList<>();
        queue.stream().sorted(queue.comparator()).forEach(e -> times.add(e.at));
        return times;
    }

    private record Entry(Instant at, long seq, Runnable task) {
    }
}

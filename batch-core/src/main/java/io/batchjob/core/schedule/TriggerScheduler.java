package io.batchjob.core.schedule;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Fires triggers on a {@link Schedule} and once after start-up (optional), using a
 * {@link TaskTimer} and a {@link Clock} so tests can move time by hand.
 *
 * <p>While suspended ({@code suspend: true}) nothing fires, not even the start-up trigger; on
 * resuming, the schedule is planned from now on: missed ticks do not fire. The schedule and the
 * suspension can change while it runs ({@link #update}), as a live config reload does.
 *
 * <p>Threading: {@link #start()}, {@link #stop()} and {@link #update} may be called from any
 * thread; triggers run on a timer thread, one at a time. The trigger callback should hand long
 * work elsewhere.
 */
public final class TriggerScheduler implements AutoCloseable {

    /** Why a trigger fired. */
    public enum Cause {
        /** The cron schedule fired. */
        SCHEDULE,
        /** Once, {@code startupDelay} after start ({@code runOnStartup}). */
        STARTUP
    }

    private static final Logger LOG = LoggerFactory.getLogger(TriggerScheduler.class);

    private final boolean runOnStartup;
    private final Duration startupDelay;
    private final Clock clock;
    private final TaskTimer timer;
    private final Consumer<Cause> trigger;

    private final Object lock = new Object();
    // Guarded by lock.
    private Schedule schedule;
    private Optional<Duration> longestInterval;
    private boolean suspended;
    private boolean running;
    /** Bumped by every update: a timer task of an earlier plan that fires anyway does nothing. */
    private long generation;
    private TaskTimer.Cancellable nextCron;
    private TaskTimer.Cancellable startup;

    /**
     * @param schedule     the schedule, or {@code null} for none (startup and manual triggers only)
     * @param runOnStartup fire once {@code startupDelay} after {@link #start()}
     */
    public TriggerScheduler(Schedule schedule, boolean runOnStartup, Duration startupDelay,
                            Clock clock, TaskTimer timer, Consumer<Cause> trigger) {
        this(schedule, false, runOnStartup, startupDelay, clock, timer, trigger);
    }

    /**
     * @param schedule     the schedule, or {@code null} for none (startup and manual triggers only)
     * @param suspended    start suspended: nothing fires until {@link #update} resumes
     * @param runOnStartup fire once {@code startupDelay} after {@link #start()} (unless suspended then)
     */
    public TriggerScheduler(Schedule schedule, boolean suspended, boolean runOnStartup, Duration startupDelay,
                            Clock clock, TaskTimer timer, Consumer<Cause> trigger) {
        this.schedule = schedule;
        this.suspended = suspended;
        this.runOnStartup = runOnStartup;
        this.startupDelay = Objects.requireNonNull(startupDelay);
        this.clock = Objects.requireNonNull(clock);
        this.timer = Objects.requireNonNull(timer);
        this.trigger = Objects.requireNonNull(trigger);
        this.longestInterval = intervalOf(schedule);
    }

    /** Starts firing; calling it again while running has no effect. */
    public void start() {
        synchronized (lock) {
            if (running) {
                return;
            }
            running = true;
            if (suspended) {
                LOG.info("suspended: no scheduled triggers (manual runs still work)");
                return;
            }
            if (runOnStartup) {
                startup = timer.schedule(startupDelay, () -> fire(Cause.STARTUP));
            }
            if (schedule != null) {
                planAfter(now());
            }
        }
    }

    /**
     * Changes the schedule and the suspension: the next tick is planned anew from now (a tick
     * missed while suspended does not fire; a pending start-up trigger is dropped by a suspension).
     */
    public void update(Schedule newSchedule, boolean suspend) {
        synchronized (lock) {
            this.schedule = newSchedule;
            this.suspended = suspend;
            this.longestInterval = intervalOf(newSchedule);
            generation++;
            if (nextCron != null) {
                nextCron.cancel();
                nextCron = null;
            }
            if (suspend && startup != null) {
                startup.cancel();
                startup = null;
            }
            if (running && !suspend && newSchedule != null) {
                planAfter(now());
            }
        }
    }

    /** Whether scheduled triggers are suspended. */
    public boolean isSuspended() {
        synchronized (lock) {
            return suspended;
        }
    }

    /** Stops firing; a trigger already running completes. */
    public void stop() {
        synchronized (lock) {
            running = false;
            if (nextCron != null) {
                nextCron.cancel();
                nextCron = null;
            }
            if (startup != null) {
                startup.cancel();
                startup = null;
            }
        }
    }

    /**
     * The longest gap between two scheduled triggers ({@link Schedule#longestInterval}), as of the
     * last {@link #update} (computed there, not per call: a scrape reads it).
     *
     * @return empty while suspended, without a schedule, or when it fires fewer than twice more
     */
    public Optional<Duration> longestInterval() {
        synchronized (lock) {
            return suspended ? Optional.empty() : longestInterval;
        }
    }

    /** The next planned cron firing, if any (for status output). */
    public Optional<ZonedDateTime> nextFiring() {
        synchronized (lock) {
            return schedule == null || suspended ? Optional.empty() : schedule.nextAfter(now());
        }
    }

    @Override
    public void close() {
        stop();
    }

    private Optional<Duration> intervalOf(Schedule s) {
        return s == null ? Optional.empty() : s.longestInterval(now());
    }

    private void planAfter(ZonedDateTime after) {
        Optional<ZonedDateTime> next = schedule.nextAfter(after);
        if (next.isEmpty()) {
            LOG.warn("schedule '{}' does not fire any more", schedule.expression());
            return;
        }
        ZonedDateTime at = next.get();
        Duration delay = Duration.between(now(), at);
        long plan = generation;
        nextCron = timer.schedule(delay, () -> onCronTimer(at, plan));
    }

    private void onCronTimer(ZonedDateTime plannedAt, long plan) {
        synchronized (lock) {
            if (!running || suspended || schedule == null || plan != generation) {
                return;
            }
            ZonedDateTime now = now();
            if (now.isBefore(plannedAt)) {
                // The timer ran early (clock adjusted): wait for the real time instead of firing.
                nextCron = timer.schedule(Duration.between(now, plannedAt), () -> onCronTimer(plannedAt, plan));
                return;
            }
            // Plan from "now" so that a long pause (suspended VM) fires once, not a burst of missed runs.
            planAfter(now.isAfter(plannedAt.plusSeconds(1)) ? now : plannedAt);
        }
        fire(Cause.SCHEDULE);
    }

    private void fire(Cause cause) {
        synchronized (lock) {
            if (!running || suspended) {
                return;
            }
        }
        try {
            trigger.accept(cause);
        } catch (RuntimeException e) {
            LOG.error("trigger ({}) failed: {}", cause, e.toString(), e);
        }
    }

    private ZonedDateTime now() {
        return ZonedDateTime.now(clock);
    }
}

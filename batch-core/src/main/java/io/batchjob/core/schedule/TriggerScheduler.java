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
 * <p>Threading: {@link #start()} and {@link #stop()} may be called from any thread; triggers run
 * on a timer thread, one at a time. The trigger callback should hand long work elsewhere.
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

    private final Schedule schedule;
    private final boolean runOnStartup;
    private final Duration startupDelay;
    private final Clock clock;
    private final TaskTimer timer;
    private final Consumer<Cause> trigger;

    private final Object lock = new Object();
    private boolean running;
    private TaskTimer.Cancellable nextCron;
    private TaskTimer.Cancellable startup;

    /**
     * @param schedule     the schedule, or {@code null} for none (startup and manual triggers only)
     * @param runOnStartup fire once {@code startupDelay} after {@link #start()}
     */
    public TriggerScheduler(Schedule schedule, boolean runOnStartup, Duration startupDelay,
                            Clock clock, TaskTimer timer, Consumer<Cause> trigger) {
        this.schedule = schedule;
        this.runOnStartup = runOnStartup;
        this.startupDelay = Objects.requireNonNull(startupDelay);
        this.clock = Objects.requireNonNull(clock);
        this.timer = Objects.requireNonNull(timer);
        this.trigger = Objects.requireNonNull(trigger);
    }

    /** Starts firing; calling it again while running has no effect. */
    public void start() {
        synchronized (lock) {
            if (running) {
                return;
            }
            running = true;
            if (runOnStartup) {
                startup = timer.schedule(startupDelay, () -> fire(Cause.STARTUP));
            }
            if (schedule != null) {
                planAfter(now());
            }
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

    /** The next planned cron firing, if any (for status output). */
    public Optional<ZonedDateTime> nextFiring() {
        return schedule == null ? Optional.empty() : schedule.nextAfter(now());
    }

    @Override
    public void close() {
        stop();
    }

    private void planAfter(ZonedDateTime after) {
        Optional<ZonedDateTime> next = schedule.nextAfter(after);
        if (next.isEmpty()) {
            LOG.warn("schedule '{}' does not fire any more", schedule.expression());
            return;
        }
        ZonedDateTime at = next.get();
        Duration delay = Duration.between(now(), at);
        nextCron = timer.schedule(delay, () -> onCronTimer(at));
    }

    private void onCronTimer(ZonedDateTime plannedAt) {
        synchronized (lock) {
            if (!running) {
                return;
            }
            ZonedDateTime now = now();
            if (now.isBefore(plannedAt)) {
                // The timer ran early (clock adjusted): wait for the real time instead of firing.
                nextCron = timer.schedule(Duration.between(now, plannedAt), () -> onCronTimer(plannedAt));
                return;
            }
            // Plan from "now" so that a long pause (suspended VM) fires once, not a burst of missed runs.
            planAfter(now.isAfter(plannedAt.plusSeconds(1)) ? now : plannedAt);
        }
        fire(Cause.SCHEDULE);
    }

    private void fire(Cause cause) {
        synchronized (lock) {
            if (!running) {
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

package io.batchjob.core.spi;

/**
 * One check behind {@code /healthz} (liveness) or {@code /readyz} (readiness). Modules add their
 * own, e.g. "report directory writable", "pod watch synced", "config loaded". Checks run on an
 * HTTP worker thread for every probe: keep them cheap and never block for long.
 */
public interface HealthCheck {

    /** A short name shown in the probe's body, e.g. {@code report-directory}. */
    String name();

    /** @return the current state; never throws (a thrown exception counts as down) */
    Status check();

    /**
     * @param up     whether the check passes
     * @param detail a short human-readable detail
     */
    record Status(boolean up, String detail) {
        public static Status up(String detail) {
            return new Status(true, detail);
        }

        public static Status down(String detail) {
            return new Status(false, detail);
        }
    }
}

package io.batchjob.http.report;

import java.time.Instant;
import java.util.Objects;

/**
 * What the dashboard's header (and {@code /api/controller}) says about the controller itself: its
 * schedule and next run, whether it is suspended, who leads, and the last change of its config —
 * applied or refused. Built by the application on every request from the parts that know.
 *
 * @param name             the controller's name
 * @param version          the controller's version
 * @param schedule         the cron expression ("" = no schedule)
 * @param timeZone         the zone the schedule is evaluated in
 * @param nextRun          the next scheduled trigger; null without a schedule, while suspended, or on a replica that does not lead
 * @param suspended        scheduled triggers are suspended ({@code suspend: true})
 * @param leader           the replica that leads; null when unknown
 * @param leading          this replica leads (triggers and dispatches)
 * @param lastConfigChange the last change of the ConfigMap this replica judged since its start; null for none
 */
public record ControllerInfo(String name, String version, String schedule, String timeZone, Instant nextRun, boolean suspended,
                             String leader, boolean leading, ConfigChange lastConfigChange) {

    public ControllerInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(timeZone, "timeZone");
    }

    /**
     * A change of the ConfigMap and what became of it.
     *
     * @param at      when it was judged
     * @param refused the change was refused (the previous config stays in force)
     * @param reason  the Event's reason, e.g. {@code ConfigApplied}, {@code ConfigRefused}
     * @param note    what the Event said
     */
    public record ConfigChange(Instant at, boolean refused, String reason, String note) {
    }
}

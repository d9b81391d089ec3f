package io.batchjob.http.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.batchjob.core.execution.ExecutionStatus.Detail;
import io.batchjob.core.execution.ExecutionStatus.NodeStatus;
import io.batchjob.core.execution.ExecutionStatus.Overview;
import io.batchjob.core.execution.ExecutionStatus;
import io.batchjob.core.execution.JobState;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.JobOutcome;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The report server's dashboard pages, rendered on the server from {@link ExecutionStatus} (the
 * same reader as the status API, so both always agree): executions, one execution's nodes, and
 * nodes × executions. Everything is readable without JavaScript; {@code dashboard.js} (served by
 * this server, no inline script) only refreshes a running execution's progress. Links are
 * relative, so the pages work behind {@code kubectl proxy} or any path prefix. Every name from
 * the report directory is escaped.
 */
final class Dashboard {

    /** Outcome classes and labels, in the order failures come first. */
    static final List<String> ORDER = List.of("FAILED", "TIMED_OUT", "NO_REPORT", "REPLACED", "RETRYING", "RUNNING", "PENDING", "SUCCEEDED",
            "SKIPPED");
    private static final Map<String, String> LABELS = Map.of("SUCCEEDED", "succeeded", "FAILED", "failed", "NO_REPORT", "no report",
            "TIMED_OUT", "timed out", "REPLACED", "replaced", "RETRYING", "retrying", "RUNNING", "running", "PENDING", "pending",
            "SKIPPED", "skipped");
    private static final Map<String, String> SHORT = Map.of("SUCCEEDED", "ok", "FAILED", "fail", "NO_REPORT", "none",
            "TIMED_OUT", "time", "REPLACED", "repl", "RETRYING", "retry", "RUNNING", "run", "PENDING", "wait", "SKIPPED", "skip");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final List<String> SORTS = List.of("outcome", "node", "start", "duration");

    private final ReportStore store;
    private final ExecutionStatus status;
    private final java.util.function.Supplier<ControllerInfo> controller;

    Dashboard(ReportStore store, ExecutionStatus status) {
        this(store, status, null);
    }

    Dashboard(ReportStore store, ExecutionStatus status, java.util.function.Supplier<ControllerInfo> controller) {
        this.store = store;
        this.status = status;
        this.controller = controller;
    }

    /** Node names in natural order: node-2 before node-10. */
    static final Comparator<String> NATURAL = Dashboard::compareNatural;

    static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i;
                int sj = j;
                while (si < a.length() && a.charAt(si) == '0') {
                    si++;
                }
                while (sj < b.length() && b.charAt(sj) == '0') {
                    sj++;
                }
                int ei = si;
                int ej = sj;
                while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
                    ei++;
                }
                while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
                    ej++;
                }
                int lengths = Integer.compare(ei - si, ej - sj);
                if (lengths != 0) {
                    return lengths;
                }
                int digits = a.substring(si, ei).compareTo(b.substring(sj, ej));
                if (digits != 0) {
                    return digits;
                }
                i = ei;
                j = ej;
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        int rest = Integer.compare(a.length() - i, b.length() - j);
        return rest != 0 ? rest : a.compareTo(b);
    }

    /**
     * The controller's state above every page: schedule and next run, suspended, who leads, the last
     * config change (refused ones stand out), version.
     */
    private void controllerHeader(StringBuilder html) {
        if (controller == null) {
            return;
        }
        ControllerInfo c;
        try {
            c = controller.get();
        } catch (RuntimeException e) {
            html.append("<p class=\"controller\">controller state unavailable: ").append(escape(e.toString())).append("</p>\n");
            return;
        }
        html.append("<p class=\"controller\"><span class=\"name\">").append(escape(c.name())).append("</span> <span class=\"version\">")
                .append(escape(c.version())).append("</span> · schedule <code>")
                .append(c.schedule().isEmpty() ? "none" : escape(c.schedule())).append("</code>");
        if (!c.schedule().isEmpty()) {
            html.append(" (").append(escape(c.timeZone())).append(")");
        }
        if (c.suspended()) {
            html.append(" · <span class=\"suspended\">suspended</span>");
        } else if (c.nextRun() != null) {
            html.append(" · next run <span class=\"next\">").append(time(c.nextRun())).append("</span>");
        }
        html.append(" · leader <span class=\"leader\">").append(c.leader() == null ? "none" : escape(c.leader()))
                .append(c.leading() ? " (this replica)" : "").append("</span>");
        ControllerInfo.ConfigChange change = c.lastConfigChange();
        if (change != null) {
            html.append(" · <span class=\"config").append(change.refused() ? " refused" : "").append("\" title=\"")
                    .append(escape(change.note())).append("\">config ").append(change.refused() ? "change refused" : "reloaded")
                    .append(" at ").append(time(change.at())).append(change.refused() ? ": " + escape(change.note()) : "").append("</span>");
        }
        html.append("</p>\n");
    }

    // ---------------------------------------------------------------- executions

    /** {@code /}: newest first, with outcome bars; the running one live. */
    String executions(List<String> idsWithoutRecords) {
        List<Overview> overviews = status.executions();
        StringBuilder html = page("Executions", "");
        html.append("<header><h1>Executions</h1><nav><a href=\"nodes\">Nodes</a>");
        store.latest().ifPresent(l -> html.append(" · <a href=\"latest/\">latest</a> &rarr; ").append(escape(l)));
        html.append("</nav></header>\n");
        controllerHeader(html);
        html.append("<div class=\"scroll\"><table class=\"executions\">\n<thead><tr><th>execution</th><th>cause</th>"
                + "<th>started</th><th>duration</th><th>outcomes</th><th>state</th></tr></thead>\n<tbody>\n");
        for (Overview o : overviews) {
            boolean running = o.state() == ExecutionStatus.State.RUNNING;
            html.append("<tr").append(running ? " data-live=\"api/executions/" + escape(o.executionId()) + "\"" : "").append(">")
                    .append("<td data-label=\"execution\"><a href=\"").append(escape(o.executionId())).append("/\">")
                    .append(escape(o.executionId())).append("</a></td>")
                    .append("<td data-label=\"cause\">").append(escape(o.cause())).append("</td>")
                    .append("<td class=\"time\" data-label=\"started\">").append(time(o.startedAt())).append("</td>")
                    .append("<td class=\"elapsed time\" data-label=\"duration\">").append(duration(o.startedAt(), o.endedAt())).append("</td>")
                    .append("<td class=\"outcomes\" data-label=\"outcomes\">").append(bar(o.counts())).append(" <span class=\"counts\">")
                    .append(countsText(o.counts())).append("</span></td>")
                    .append("<td class=\"state\" data-label=\"state\">").append(stateText(o)).append("</td></tr>\n");
        }
        for (String id : idsWithoutRecords) {
            html.append("<tr><td><a href=\"").append(escape(id)).append("/\">").append(escape(id))
                    .append("</a></td><td colspan=\"5\">files only (not started by this controller)</td></tr>\n");
        }
        html.append("</tbody></table></div>\n");
        return end(html);
    }

    private static String stateText(Overview o) {
        if (o.state() != ExecutionStatus.State.RUNNING) {
            return o.state().name().toLowerCase(Locale.ROOT);
        }
        int total = o.counts().values().stream().mapToInt(Integer::intValue).sum() - o.counts().getOrDefault("SKIPPED", 0);
        int ended = total - o.counts().getOrDefault("RUNNING", 0) - o.counts().getOrDefault("PENDING", 0)
                - o.counts().getOrDefault("RETRYING", 0);
        return "running: <span class=\"progress\">" + ended + "/" + total + " ended, " + o.counts().getOrDefault("RUNNING", 0)
                + " running now</span>";
    }

    // ---------------------------------------------------------------- one execution

    /**
     * {@code /<id>/}: one row per node (failures first by default), filter by outcome, sort by a
     * column, then the complete file listing.
     */
    String execution(Detail d, String outcomeFilter, String sort, boolean descending, String fileTable) {
        StringBuilder html = page("Execution " + d.executionId(), "../");
        boolean running = d.state() == ExecutionStatus.State.RUNNING;
        html.append("<header><h1>Execution ").append(escape(d.executionId())).append("</h1><nav><a href=\"../\">Executions</a> · ")
                .append("<a href=\"../nodes\">Nodes</a> · <a href=\"#files\">all files</a></nav></header>\n");
        controllerHeader(html);
        html.append("<p class=\"summary\"").append(running ? " data-live=\"../api/executions/" + escape(d.executionId()) + "\"" : "").append(">")
                .append(escape(d.cause())).append(" · started ").append(time(d.startedAt())).append(" · <span class=\"elapsed\">")
                .append(duration(d.startedAt(), d.endedAt())).append("</span> · <span class=\"state\">")
                .append(stateText(new Overview(d.executionId(), d.cause(), d.state(), d.startedAt(), d.endedAt(), d.counts())))
                .append("</span></p>\n<p>").append(bar(d.counts())).append(" <span class=\"counts\">").append(countsText(d.counts()))
                .append("</span></p>\n");
        if (!d.skipped().isEmpty()) {
            html.append("<p>skipped (no longer Ready or selected): ").append(escape(String.join(", ", d.skipped()))).append("</p>\n");
        }
        if (d.unseen() != null) {
            html.append("<p class=\"unseen\">results not in this report directory (these jobs ended before this controller took the"
                    + " execution over; their results and files are with the controller that started it): ")
                    .append(escape(String.join(", ", d.unseen()))).append("</p>\n");
        }
        html.append("<nav class=\"filter\">show: ").append(filterLink("", outcomeFilter, "all", sort, descending));
        for (String o : ORDER) {
            int n = "SKIPPED".equals(o) ? 0 : d.counts().getOrDefault(o, 0);
            if (n > 0) {
                html.append(" ").append(filterLink(o, outcomeFilter, LABELS.get(o) + " (" + n + ")", sort, descending));
            }
        }
        html.append("</nav>\n<div class=\"scroll\"><table class=\"nodes\">\n<thead><tr>");
        for (String[] col : new String[][]{{"node", "node"}, {"outcome", "outcome"}, {"start", "started"}, {"duration", "duration"}}) {
            boolean active = col[0].equals(sort);
            boolean nextDesc = active && !descending;
            html.append("<th><a class=\"sort").append(active ? descending ? " desc" : " asc" : "").append("\" href=\"?")
                    .append(query(outcomeFilter, col[0], nextDesc)).append("\">").append(col[1]).append("</a></th>");
        }
        html.append("<th>reason</th><th>result</th><th>files</th></tr></thead>\n<tbody>\n");
        List<NodeStatus> nodes = new ArrayList<>(d.nodes());
        if (!outcomeFilter.isEmpty()) {
            nodes.removeIf(n -> !key(n).equals(outcomeFilter));
        }
        nodes.sort(comparator(sort, descending));
        for (NodeStatus n : nodes) {
            String key = key(n);
            html.append("<tr id=\"node-").append(escape(n.node())).append("\" class=\"o-").append(key.toLowerCase(Locale.ROOT)).append("\">")
                    .append("<td class=\"node\" data-label=\"node\">").append(escape(n.node())).append("</td>")
                    .append("<td class=\"outcome\" data-label=\"outcome\"><span class=\"outcome o-").append(key.toLowerCase(Locale.ROOT))
                    .append("\">").append(LABELS.get(key)).append("</span>").append(attempts(n))
                    .append("</td><td class=\"time\" data-label=\"started\">").append(time(n.startedAt()))
                    .append("</td><td class=\"time\" data-label=\"duration\">")
                    .append(n.durationMillis() == null ? n.state() == JobState.RUNNING ? duration(n.startedAt(), null) : ""
                            : millis(n.durationMillis()))
                    .append("</td><td class=\"reason\" data-label=\"reason\">").append(escape(Optional.ofNullable(n.reason()).orElse("")))
                    .append("</td><td class=\"result\" data-label=\"result\">")
                    .append(escape(resultValues(d.executionId(), n.node()))).append("</td><td class=\"files\" data-label=\"files\">");
            for (String f : Optional.ofNullable(n.files()).orElse(List.of())) {
                html.append("<a href=\"").append(escape(encode(f))).append("\">").append(escape(f)).append("</a> ");
            }
            if (n.moreFiles() != null) {
                html.append("<a class=\"more\" href=\"#files\">and ").append(n.moreFiles()).append(" more</a>");
            }
            html.append("</td></tr>\n");
        }
        if (nodes.isEmpty()) {
            html.append("<tr><td colspan=\"7\">no node with this outcome</td></tr>\n");
        }
        html.append("</tbody></table></div>\n<h2 id=\"files\">All files</h2>\n").append(fileTable);
        return end(html);
    }

    private static String filterLink(String value, String current, String label, String sort, boolean descending) {
        String cls = value.equals(current) ? " class=\"current\"" : "";
        return "<a" + cls + " href=\"?" + query(value, sort, descending) + "\">" + escape(label) + "</a>";
    }

    private static String query(String outcome, String sort, boolean descending) {
        StringBuilder q = new StringBuilder("sort=").append(sort).append(descending ? "&amp;dir=desc" : "");
        if (!outcome.isEmpty()) {
            q.append("&amp;outcome=").append(outcome);
        }
        return q.toString();
    }

    /** A request's sort column, or the default (outcome: failures first). */
    static String sortOf(String requested) {
        return SORTS.contains(requested) ? requested : "outcome";
    }

    /**
     * A request's outcome filter, or none: any case, and {@code no-report}, {@code no report} or
     * {@code no_report} alike (what people type, not only what the links carry).
     */
    static String filterOf(String requested) {
        if (requested == null) {
            return "";
        }
        String key = requested.strip().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        return ORDER.contains(key) ? key : "";
    }

    private static Comparator<NodeStatus> comparator(String sort, boolean descending) {
        Comparator<NodeStatus> byNode = Comparator.comparing(NodeStatus::node, NATURAL);
        Comparator<NodeStatus> c = switch (sort) {
            case "node" -> byNode;
            case "start" -> Comparator.comparing((NodeStatus n) -> n.startedAt() == null ? Instant.MAX : n.startedAt()).thenComparing(byNode);
            case "duration" -> Comparator.comparing((NodeStatus n) -> n.durationMillis() == null ? -1L : n.durationMillis()).thenComparing(byNode);
            default -> Comparator.comparing((NodeStatus n) -> ORDER.indexOf(key(n))).thenComparing(byNode);
        };
        return descending ? c.reversed() : c;
    }

    /** {@code attempt 2 of a node}, with its earlier attempts' outcomes and reasons as a tooltip; empty for a first attempt. */
    private static String attempts(NodeStatus n) {
        if (n.attempts() == null) {
            return "";
        }
        StringBuilder earlier = new StringBuilder();
        for (io.batchjob.core.spi.JobAttempt a : Optional.ofNullable(n.retried()).orElse(List.of())) {
            earlier.append(earlier.length() == 0 ? "" : "\n").append("attempt ").append(a.number()).append(": ")
                    .append(LABELS.get(a.outcome().name())).append(a.reason().isEmpty() ? "" : " (" + a.reason() + ")");
        }
        return " <span class=\"attempts\" title=\"" + escape(earlier.toString()) + "\">attempt " + n.attempts() + "</span>";
    }

    private static String key(NodeStatus n) {
        return n.state() == JobState.ENDED ? n.outcome().name() : n.state().name();
    }

    /** The values a node's result carried, compact: {@code suffix{label=value}=1.0, ...}, at most a few. */
    private String resultValues(String executionId, String node) {
        Path file = store.fileOf(executionId, node + ".json");
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > 64 * 1024) {
                return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? "(large: see " + node + ".json)" : "";
            }
            JsonNode root = store.json().readTree(Files.readAllBytes(file));
            List<String> parts = new ArrayList<>();
            int total = 0;
            for (var it = root.fields(); it.hasNext(); ) {
                var e = it.next();
                for (JsonNode v : e.getValue()) {
                    total++;
                    if (parts.size() < 3) {
                        StringBuilder sb = new StringBuilder(e.getKey());
                        JsonNode labels = v.get("labels");
                        if (labels != null && labels.size() > 0) {
                            List<String> l = new ArrayList<>();
                            labels.fields().forEachRemaining(x -> l.add(x.getKey() + "=" + x.getValue().asText()));
                            sb.append('{').append(String.join(",", l)).append('}');
                        }
                        parts.add(sb.append('=').append(v.path("value").asText()).toString());
                    }
                }
            }
            String text = String.join(", ", parts);
            return total > parts.size() ? text + " … (" + total + " values)" : text;
        } catch (IOException | RuntimeException e) {
            return "(unreadable)";
        }
    }

    // ---------------------------------------------------------------- nodes × executions

    /** {@code /nodes}: every node of the kept executions, one cell per execution (newest on the right). */
    String nodes() {
        List<Overview> overviews = new ArrayList<>(status.executions());
        java.util.Collections.reverse(overviews); // oldest first: the newest on the right
        Map<String, Map<String, String>> grid = new java.util.TreeMap<>(NATURAL);
        Map<String, Instant> lastSuccess = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>();
        for (Detail d : status.executionsWithoutFiles(overviews.stream().map(Overview::executionId).toList())) {
            ids.add(d.executionId());
            for (NodeStatus n : d.nodes()) {
                grid.computeIfAbsent(n.node(), k -> new LinkedHashMap<>()).put(d.executionId(), key(n));
                if (n.outcome() == JobOutcome.SUCCEEDED && n.endedAt() != null) {
                    lastSuccess.merge(n.node(), n.endedAt(), (a, b) -> a.isAfter(b) ? a : b);
                }
            }
            d.skipped().forEach(s -> grid.computeIfAbsent(s, k -> new LinkedHashMap<>()).putIfAbsent(d.executionId(), "SKIPPED"));
        }
        StringBuilder html = page("Nodes", "");
        html.append("<header><h1>Nodes</h1><nav><a href=\"./\">Executions</a></nav></header>\n");
        controllerHeader(html);
        html.append("<p>")
                .append(grid.size()).append(" nodes × ").append(ids.size()).append(" executions, the newest on the right.</p>\n")
                .append("<div class=\"scroll\"><table class=\"grid\">\n<thead><tr><th>node</th><th>last success</th>");
        for (String id : ids) {
            // The whole ID (unique, unlike a minute), broken after the date: two lines, narrow columns.
            html.append("<th class=\"id\"><a href=\"").append(escape(id)).append("/\" title=\"").append(escape(id)).append("\">")
                    .append(escape(id.length() > 8 ? id.substring(0, 8) : id)).append(id.length() > 8 ? "<br>" + escape(id.substring(8)) : "")
                    .append("</a></th>");
        }
        html.append("</tr></thead>\n<tbody>\n");
        for (Map.Entry<String, Map<String, String>> row : grid.entrySet()) {
            String node = row.getKey();
            html.append("<tr><td>").append(escape(node)).append("</td><td class=\"time\">").append(time(lastSuccess.get(node))).append("</td>");
            for (String id : ids) {
                String k = row.getValue().get(id);
                if (k == null) {
                    html.append("<td></td>");
                } else {
                    // Short cells: 5,000 nodes × 31 executions are 155,000 of them.
                    html.append("<td class=\"cell o-").append(k.toLowerCase(Locale.ROOT)).append("\"><a href=\"").append(escape(id))
                            .append("/#node-").append(escape(encode(node))).append("\">").append(SHORT.get(k)).append("</a></td>");
                }
            }
            html.append("</tr>\n");
        }
        html.append("</tbody></table></div>\n");
        return end(html);
    }

    // ---------------------------------------------------------------- pieces

    /** The outcomes as a stacked bar: SVG presentation attributes, so no inline style is needed (strict CSP). */
    private static String bar(Map<String, Integer> counts) {
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        StringBuilder svg = new StringBuilder("<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"")
                .append(countsText(counts)).append("\">");
        double x = 0;
        for (String o : List.of("SUCCEEDED", "FAILED", "NO_REPORT", "TIMED_OUT", "REPLACED", "RUNNING", "PENDING", "SKIPPED")) {
            int n = counts.getOrDefault(o, 0);
            if (n > 0 && total > 0) {
                double w = 100.0 * n / total;
                svg.append(String.format(Locale.ROOT, "<rect class=\"o-%s\" data-outcome=\"%s\" x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"10\"/>",
                        o.toLowerCase(Locale.ROOT), o, x, w));
                x += w;
            }
        }
        return svg.append("</svg>").toString();
    }

    /** The counts as text, e.g. {@code 3 succeeded · 1 failed}. */
    static String countsText(Map<String, Integer> counts) {
        List<String> parts = new ArrayList<>();
        for (String o : List.of("SUCCEEDED", "FAILED", "NO_REPORT", "TIMED_OUT", "REPLACED", "RUNNING", "PENDING", "SKIPPED")) {
            int n = counts.getOrDefault(o, 0);
            if (n > 0) {
                parts.add(n + " " + LABELS.get(o));
            }
        }
        return parts.isEmpty() ? "no jobs" : String.join(" · ", parts);
    }

    /** To the second, with the zone (UTC): what people read; the JSON keeps full precision. */
    static String time(Instant t) {
        return t == null ? "" : TIME.format(t);
    }

    private static String duration(Instant start, Instant end) {
        if (start == null) {
            return "";
        }
        return millis(Duration.between(start, end == null ? Instant.now() : end).toMillis());
    }

    /** {@code 850 ms}, {@code 1.7s} (one decimal under a minute), {@code 2m 5s}, {@code 1h 3m}. */
    static String millis(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", Math.min(Math.round(ms / 100.0) / 10.0, 59.9));
        }
        long s = ms / 1000;
        return s < 3600 ? (s / 60) + "m " + (s % 60) + "s" : (s / 3600) + "h " + (s % 3600 / 60) + "m";
    }

    private static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static StringBuilder page(String title, String root) {
        return new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
                .append(ReportServer.escape(title)).append("</title>\n<link rel=\"stylesheet\" href=\"").append(root).append("-/dashboard.css\">\n")
                .append("<script src=\"").append(root).append("-/dashboard.js\" defer></script>\n</head>\n<body>\n");
    }

    private static String end(StringBuilder html) {
        return html.append("</body>\n</html>\n").toString();
    }

    private static String escape(String s) {
        return ReportServer.escape(s);
    }
}

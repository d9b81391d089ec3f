package io.batchjob.http.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.batchjob.core.execution.ExecutionStatus;
import io.batchjob.core.execution.FileExecutionRecords;
import io.batchjob.core.report.FileListing;
import io.batchjob.core.report.FileNames;
import io.batchjob.core.report.ReportStore;
import io.batchjob.http.PlainText;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.resource.PathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Read-only browsing of the report directory: {@code /} lists executions newest first,
 * {@code /<executionID>/} (or {@code /latest/}) lists an execution's files, {@code /<executionID>/<file>}
 * downloads one. Listings are HTML, or JSON with {@code ?format=json} or {@code Accept: application/json}.
 * The status API, JSON only: {@code /api/executions}, {@code /api/executions/<executionID|latest>} and
 * {@code /api/controller} (schedule, leader, last config change).
 *
 * <p>Only names that pass the report store's file-name policy and do not start with {@code .} are
 * served; symbolic links are never followed except {@code latest}, which is resolved by name; any
 * other path is 404. Uploaded content cannot run as a page of this server: every response carries
 * {@code X-Content-Type-Options: nosniff} and a script-free Content-Security-Policy, and HTML, SVG,
 * script and XML-like files are served as {@code text/plain} attachments.
 */
public final class ReportServer {

    /** Extensions whose content a browser could execute or render as active content. */
    static final Set<String> ACTIVE_EXTENSIONS = Set.of("html", "htm", "xhtml", "xht", "shtml", "svg", "svgz", "js",
            "mjs", "xml", "xsl", "xslt", "swf", "css", "hta", "wasm");
    /**
     * The only types files are served as (text, JSON, images, PDF, archives); anything else is
     * {@code application/octet-stream} and a download, whatever a platform's MIME table says
     * ({@code .jnlp} would start Java Web Start).
     */
    static final Map<String, String> SERVED_TYPES = Map.ofEntries(
            Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("log", "text/plain; charset=utf-8"),
            Map.entry("csv", "text/csv; charset=utf-8"), Map.entry("md", "text/markdown; charset=utf-8"),
            Map.entry("yaml", "text/yaml; charset=utf-8"), Map.entry("yml", "text/yaml; charset=utf-8"),
            Map.entry("json", "application/json"), Map.entry("jsonl", "application/x-ndjson"), Map.entry("ndjson", "application/x-ndjson"),
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"), Map.entry("pdf", "application/pdf"),
            Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"), Map.entry("tgz", "application/gzip"),
            Map.entry("tar", "application/x-tar"), Map.entry("bz2", "application/x-bzip2"), Map.entry("xz", "application/x-xz"),
            Map.entry("zst", "application/zstd"));
    /** Served with their type but as a download (a PDF may carry script for the viewer). */
    private static final Set<String> DOWNLOADED = Set.of("pdf", "zip", "gz", "tgz", "tar", "bz2", "xz", "zst");
    private static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
    /** Dashboard pages: their own script and stylesheet, the status API, nothing inline, nothing from elsewhere. */
    static final String PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private final ReportStore store;
    private final ExecutionStatus status;
    private final Dashboard dashboard;
    private final java.util.function.Supplier<ControllerInfo> controller;
    private final ResourceHandler files;
    private final ObjectMapper json = JsonMapper.builder().build();

    /** Without an engine: the status API shows what was recorded (no execution is live). */
    public ReportServer(ReportStore store) {
        this(store, new ExecutionStatus(store, new FileExecutionRecords(store), Optional::empty));
    }

    /** With the status of an engine, whose running execution the status API shows live. */
    public ReportServer(ReportStore store, ExecutionStatus status) {
        this(store, status, null);
    }

    /**
     * With the controller's own state as well, shown in the dashboard's header and served as
     * {@code /api/controller}.
     *
     * @param controller asked on every page (may be null: no header)
     */
    public ReportServer(ReportStore store, ExecutionStatus status, java.util.function.Supplier<ControllerInfo> controller) {
        this.store = store;
        this.status = status;
        this.controller = controller;
        this.dashboard = new Dashboard(store, status, controller);
        // followLinks=false: a link inside an execution directory is never served.
        this.files = new ResourceHandler(new PathResourceManager(store.root(), 1024 * 1024, true, false))
                .setDirectoryListingEnabled(false)
                .setWelcomeFiles();
    }

    /**
     * Reads the finished executions of the history once, so the first view of the dashboard does
     * not parse every summary (5,000 nodes × 31 executions: about 2 s on 2 cores). Call it once,
     * from a thread of the caller's; it only fills a bounded cache.
     */
    public void warmUp() {
        long start = System.nanoTime();
        int n = status.executions().size();
        org.slf4j.LoggerFactory.getLogger(ReportServer.class).info("dashboard: {} executions read in {} ms", n,
                (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * The handler for the report port. It runs on a worker thread but never in blocking mode:
     * listings and files go out through Undertow's asynchronous sender, so a client that reads
     * slowly (or not at all) holds a connection, not a thread.
     */
    public HttpHandler handler() {
        return exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(this::handle); // listings read the disk: not on the IO thread
                return;
            }
            handle(exchange);
        };
    }

    private void handle(HttpServerExchange exchange) throws Exception {
        PlainText.secure(exchange);
        exchange.getResponseHeaders().put(Headers.CONTENT_SECURITY_POLICY, CSP);
        if (!Methods.GET.equals(exchange.getRequestMethod()) && !Methods.HEAD.equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
            PlainText.send(exchange, 405, "method " + exchange.getRequestMethod() + " is not allowed: the report server is read-only");
            return;
        }
        String path = exchange.getRelativePath();
        List<String> segments = segments(path);
        if (segments == null) {
            notFound(exchange);
            return;
        }
        if (segments.isEmpty()) {
            listExecutions(exchange);
            return;
        }
        if (segments.get(0).equals("api")) {
            api(exchange, segments);
            return;
        }
        if (segments.get(0).equals("-")) {
            asset(exchange, segments);
            return;
        }
        if (segments.size() == 1 && segments.get(0).equals("nodes")) {
            sendPage(exchange, dashboard.nodes());
            return;
        }
        Optional<String> id = executionId(segments.get(0));
        if (id.isEmpty()) {
            notFound(exchange);
            return;
        }
        if (segments.size() == 1 && !path.endsWith("/")) {
            // The page's links are relative to "<id>/"; a relative Location keeps any path prefix (kubectl proxy).
            exchange.setStatusCode(301);
            exchange.getResponseHeaders().put(Headers.LOCATION, segments.get(0) + "/");
            exchange.endExchange();
        } else if (segments.size() == 1) {
            listFiles(exchange, id.get());
        } else if (segments.size() == 2) {
            serveFile(exchange, id.get(), segments.get(1));
        } else {
            notFound(exchange);
        }
    }

    /** The path's segments, or null when any of them is not a name we serve. */
    private static List<String> segments(String path) {
        if (path == null || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            return null;
        }
        List<String> out = new ArrayList<>();
        String[] parts = path.split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) {
                if (i == 0 || i == parts.length - 1) {
                    continue; // leading and trailing slash
                }
                return null; // "//"
            }
            if (!FileNames.isSafe(p) || p.startsWith(".")) {
                return null;
            }
            out.add(p);
        }
        return out;
    }

    private Optional<String> executionId(String segment) {
        if (ReportStore.LATEST.equals(segment)) {
            return store.latest().filter(store::exists);
        }
        return ReportStore.isExecutionId(segment) && store.exists(segment) ? Optional.of(segment) : Optional.empty();
    }

    private void serveFile(HttpServerExchange exchange, String id, String name) throws Exception {
        Path file = store.readableFile(id, name); // the engine's files (_plan.json, ...) live apart, served here as before
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            notFound(exchange);
            return;
        }
        String extension = name.lastIndexOf('.') < 0 ? "" : name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        String attachment = "attachment; filename*=UTF-8''" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
        if (ACTIVE_EXTENSIONS.contains(extension)) {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getResponseHeaders().put(Headers.CONTENT_DISPOSITION, attachment);
        } else if (SERVED_TYPES.containsKey(extension)) {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, SERVED_TYPES.get(extension));
            if (DOWNLOADED.contains(extension)) {
                exchange.getResponseHeaders().put(Headers.CONTENT_DISPOSITION, attachment);
            }
        } else {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/octet-stream");
            exchange.getResponseHeaders().put(Headers.CONTENT_DISPOSITION, attachment);
        }
        // "latest" resolved by name, never by following the link
        exchange.setRelativePath("/" + store.root().relativize(file).toString().replace(java.io.File.separatorChar, '/'));
        files.handleRequest(exchange);
    }

    /**
     * The read-only status API: {@code /api/executions} (newest first) and
     * {@code /api/executions/<id|latest>} (per node, live for the running execution).
     */
    private void api(HttpServerExchange exchange, List<String> segments) throws IOException {
        if (segments.size() == 2 && segments.get(1).equals("controller") && controller != null) {
            sendApiJson(exchange, 200, controller.get());
        } else if (segments.size() == 2 && segments.get(1).equals("executions")) {
            sendApiJson(exchange, 200, Map.of("executions", status.executions()));
        } else if (segments.size() == 3 && segments.get(1).equals("executions")) {
            Optional<ExecutionStatus.Detail> detail = status.execution(segments.get(2));
            if (detail.isPresent()) {
                sendApiJson(exchange, 200, detail.get());
            } else {
                sendApiJson(exchange, 404, Map.of("error", "no execution " + PlainText.printable(segments.get(2)) + " in the report history"));
            }
        } else {
            sendApiJson(exchange, 404, Map.of("error", "not found: use /api/controller, /api/executions or /api/executions/<executionID|latest>"));
        }
    }

    private void sendApiJson(HttpServerExchange exchange, int code, Object body) throws IOException {
        exchange.setStatusCode(code);
        send(exchange, "application/json", store.json().writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
    }

    private void listExecutions(HttpServerExchange exchange) throws IOException {
        List<String> ids = new ArrayList<>(store.executionIds());
        ids.sort(ReportStore.BY_EXECUTION_ID.reversed());
        Optional<String> latest = store.latest();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String id : ids) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("executionId", id);
            startedAt(id).ifPresent(t -> row.put("startedAt", t.toString()));
            row.put("latest", latest.map(id::equals).orElse(false));
            Optional<io.batchjob.core.spi.ExecutionSummary> summary = status.summary(id);
            row.put("state", summary.isPresent() ? "finished" : status.isRecorded(id) ? "running or interrupted" : "unknown");
            summary.ifPresent(s -> row.put("counts", s.counts()));
            rows.add(row);
        }
        if (wantsJson(exchange)) {
            sendJson(exchange, Map.of("executions", rows));
            return;
        }
        List<String> withoutRecords = ids.stream().filter(id -> !status.isRecorded(id)).toList();
        sendPage(exchange, dashboard.executions(withoutRecords));
    }

    /**
     * {@code /<id>/}: one page of the execution's files ({@code ?after=<name>&limit=<n>}, at most
     * {@value FileListing#MAX_LIMIT}), read with memory bounded by the page, whatever the number of files.
     */
    private void listFiles(HttpServerExchange exchange, String id) throws IOException {
        String limitParam = param(exchange, "limit");
        int limit = FileListing.DEFAULT_LIMIT;
        if (!limitParam.isEmpty()) {
            try {
                limit = Integer.parseInt(limitParam);
            } catch (NumberFormatException e) {
                limit = 0;
            }
            if (limit < 1 || limit > FileListing.MAX_LIMIT) {
                PlainText.send(exchange, 400, "limit must be a number from 1 to " + FileListing.MAX_LIMIT + ", not \""
                        + PlainText.printable(limitParam) + "\"");
                return;
            }
        }
        String after = param(exchange, "after");
        // The execution's files, and the engine's own (_plan.json, _jobs.jsonl, _summary.json), kept apart on disk.
        FileListing.Page page = FileListing.page(List.of(store.executionDirectory(id), store.engineDirectory(id)), after, limit);
        if (wantsJson(exchange)) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("executionId", id);
            body.put("files", page.files().stream().map(f -> Map.of("name", f.name(), "size", f.size(), "modified", f.modified().toString()))
                    .toList());
            body.put("total", page.total());
            page.next().ifPresent(n -> body.put("next", n));
            sendJson(exchange, body);
            return;
        }
        StringBuilder table = new StringBuilder("<p class=\"files-page\">").append(page.total()).append(page.total() == 1 ? " file" : " files");
        if (page.next().isPresent() || !after.isEmpty()) {
            table.append(" · this page: ").append(page.files().size());
        }
        if (!after.isEmpty()) {
            table.append(" · <a href=\"?").append(limitParam.isEmpty() ? "" : "limit=" + limit).append("#files\">first page</a>");
        }
        page.next().ifPresent(n -> table.append(" · <a rel=\"next\" href=\"?after=")
                .append(escape(URLEncoder.encode(n, StandardCharsets.UTF_8))).append(limitParam.isEmpty() ? "" : "&amp;limit=" + limitParam)
                .append("#files\">next page</a>"));
        table.append("</p>\n<div class=\"scroll\"><table class=\"files\">\n<tr><th>file</th><th>bytes</th><th>modified</th></tr>\n");
        for (FileListing.Entry f : page.files()) {
            // Relative to the execution's page; the name is percent-encoded, so it can never read as a scheme or a path.
            table.append("<tr><td><a href=\"")
                    .append(escape(URLEncoder.encode(f.name(), StandardCharsets.UTF_8).replace("+", "%20"))).append("\">")
                    .append(escape(f.name())).append("</a></td><td>").append(f.size()).append("</td><td class=\"time\">")
                    .append(Dashboard.time(f.modified())).append("</td></tr>\n");
        }
        table.append("</table></div>\n");
        Optional<ExecutionStatus.Detail> detail = status.execution(id);
        if (detail.isPresent()) {
            String sort = Dashboard.sortOf(param(exchange, "sort"));
            sendPage(exchange, dashboard.execution(detail.get(), Dashboard.filterOf(param(exchange, "outcome")), sort,
                    "desc".equals(param(exchange, "dir")), table.toString()));
            return;
        }
        StringBuilder html = page("Execution " + id);
        html.append("<h1>Execution ").append(escape(id)).append("</h1>\n<p><a href=\"../\">all executions</a></p>\n").append(table)
                .append("</body>\n</html>\n");
        sendPage(exchange, html.toString());
    }

    private static String param(HttpServerExchange exchange, String name) {
        return Optional.ofNullable(exchange.getQueryParameters().get(name)).map(java.util.Deque::peekFirst).orElse("");
    }

    /** A dashboard page: scripts and styles from this server only. */
    private static void sendPage(HttpServerExchange exchange, String html) {
        exchange.getResponseHeaders().put(Headers.CONTENT_SECURITY_POLICY, PAGE_CSP);
        send(exchange, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    /** The dashboard's stylesheet and script, from the classpath; nothing else is served under "-/". */
    private void asset(HttpServerExchange exchange, List<String> segments) throws IOException {
        String name = segments.size() == 2 ? segments.get(1) : "";
        String type = switch (name) {
            case "dashboard.css" -> "text/css; charset=utf-8";
            case "dashboard.js" -> "text/javascript; charset=utf-8";
            default -> null;
        };
        if (type == null) {
            notFound(exchange);
            return;
        }
        try (java.io.InputStream in = ReportServer.class.getResourceAsStream(name)) {
            if (in == null) {
                notFound(exchange);
                return;
            }
            send(exchange, type, in.readAllBytes());
        }
    }

    private static Optional<Instant> startedAt(String id) {
        if (id.length() != 14) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(id, ID_TIME).toInstant(ZoneOffset.UTC));
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty(); // same-second IDs may be bumped past a valid time
        }
    }

    private static boolean wantsJson(HttpServerExchange exchange) {
        String format = Optional.ofNullable(exchange.getQueryParameters().get("format")).map(d -> d.peekFirst()).orElse("");
        String accept = Optional.ofNullable(exchange.getRequestHeaders().getFirst(Headers.ACCEPT)).orElse("");
        return format.equals("json") || (accept.contains("application/json") && !accept.contains("text/html"));
    }

    private void sendJson(HttpServerExchange exchange, Object body) throws IOException {
        send(exchange, "application/json", json.writerWithDefaultPrettyPrinter().writeValueAsBytes(body));
    }


    private static void send(HttpServerExchange exchange, String type, byte[] body) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, type);
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
        if (Methods.HEAD.equals(exchange.getRequestMethod())) {
            exchange.endExchange();
        } else {
            exchange.getResponseSender().send(java.nio.ByteBuffer.wrap(body));
        }
    }

    private static void notFound(HttpServerExchange exchange) {
        PlainText.send(exchange, 404, "not found");
    }

    private static StringBuilder page(String title) {
        return new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>body{font-family:sans-serif;margin:2em}"
                        + "table{border-collapse:collapse}td,th{padding:.2em 1em;text-align:left;border-bottom:1px solid #ddd}</style>\n"
                        + "</head>\n<body>\n");
    }

    /** HTML text and attribute escaping: names come from jobs and must never become markup. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}

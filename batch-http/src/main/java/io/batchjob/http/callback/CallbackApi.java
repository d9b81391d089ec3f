package io.batchjob.http.callback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.batchjob.core.event.GoFormat;
import io.batchjob.core.execution.BudgetExceededException;
import io.batchjob.core.execution.ExecutionEngine;
import io.batchjob.core.execution.UnknownJobException;
import io.batchjob.core.report.FileNames;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.report.SizeLimitExceededException;
import io.batchjob.core.result.JobResult;
import io.batchjob.core.result.ResultParser;
import io.batchjob.core.spi.CallbackObserver;
import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobEventPublisher;
import io.batchjob.http.HttpProblem;
import io.batchjob.http.IdleTimeoutBlocking;
import io.batchjob.http.PlainText;
import io.batchjob.http.ProblemHandler;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.RequestLimitingHandler;
import io.undertow.server.handlers.form.FormData;
import io.undertow.server.handlers.form.FormParserFactory;
import io.undertow.server.handlers.form.MultiPartParserDefinition;
import io.undertow.server.protocol.http.HttpContinue;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The callback API of SPEC section 5, as one Undertow handler:
 * {@code POST /report/{node}/{executionID}/result|file|event}.
 *
 * <p>The chain, outermost first: observe (status and latency to the {@link CallbackObserver}) →
 * limit (bounded concurrency, 503 beyond the queue) → route (404 unknown path, 405 wrong method) →
 * blocking dispatch to a worker → error mapping ({@code ProblemHandler}) → the job from the path
 * ({@link CallbackJob}) → {@link LeaderOnly} (relay or 503 on a replica that may not write) →
 * {@link JobAuthentication}: path values (400), the job's secret (401, with {@code callbackAuth:
 * token}; answered at once, the body unread, the connection closed), that the job is running (406,
 * unless dev mode) → {@link JobSlots#limit}: fewer than {@link JobSlots#PER_JOB} callbacks of the job
 * in progress (429) → the endpoint: the body (400/413, read with an idle timeout); only then does it
 * store anything. A result the engine has no room
 * for is refused with 503 and {@code Retry-After} before it is stored.
 */
public final class CallbackApi {

    private static final Logger LOG = LoggerFactory.getLogger(CallbackApi.class);
    private static final AttachmentKey<String> ENDPOINT = AttachmentKey.create(String.class);
    private static final AttachmentKey<Long> STORED = AttachmentKey.create(Long.class);
    /** Path prefix of the URLs that carry the job's secret: {@code /job/<secret>}. */
    private static final String SECRET_PREFIX = "/" + io.batchjob.core.execution.CallbackEndpoint.SECRET_SEGMENT + "/{secret}";
    private static final Pattern REASON = Pattern.compile("\\p{Lu}[^\\p{Cntrl}]{0,127}");
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final ExecutionEngine engine;
    private final ReportStore store;
    private final JobEventPublisher events;
    private final CallbackSettings settings;
    private final CallbackObserver observer;
    private final Path multipartTemp;
    private final EventRateLimit eventRateLimit = new EventRateLimit(System::nanoTime);
    private final JobSlots jobSlots;
    private final JobUploads uploads;
    private final CallbackRelay relay;
    /** Jobs told of a budget already ("execution/node/budget"): one Warning Event each. Bounded, guarded by itself. */
    private final Map<String, Boolean> budgetWarned = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    };

    public CallbackApi(ExecutionEngine engine, ReportStore store, JobEventPublisher events, CallbackSettings settings,
                       CallbackObserver observer) {
        this(engine, store, events, settings, observer, null);
    }

    /**
     * @param relay where callbacks go while this replica may not lead (see {@link CallbackRelay});
     *              null: they are answered 503 with {@code Retry-After}
     */
    public CallbackApi(ExecutionEngine engine, ReportStore store, JobEventPublisher events, CallbackSettings settings,
                       CallbackObserver observer, CallbackRelay relay) {
        this.relay = relay;
        this.engine = Objects.requireNonNull(engine);
        this.store = Objects.requireNonNull(store);
        this.events = Objects.requireNonNull(events);
        this.settings = Objects.requireNonNull(settings);
        this.jobSlots = new JobSlots(settings.maxConcurrent());
        this.observer = Objects.requireNonNull(observer);
        // Multipart parts land here first: same file system as the reports, hidden from the report server.
        this.multipartTemp = store.root().resolve(".uploads");
        this.uploads = new JobUploads(store, (executionId, name) -> engine.callbacks().nodeOwningFile(executionId, name));
    }

    /** The complete handler for the callback port. */
    public HttpHandler handler() {
        // The Go controller's paths, and the same carrying the job's secret (the URLs injected with callbackAuth: token).
        RoutingHandler routes = Handlers.routing()
                .post("/report/{node}/{executionID}/result", endpoint("result", this::result))
                .post("/report/{node}/{executionID}/file", endpoint("file", this::file))
                .post("/report/{node}/{executionID}/event", endpoint("event", this::event))
                .post(SECRET_PREFIX + "/report/{node}/{executionID}/result", endpoint("result", this::result))
                .post(SECRET_PREFIX + "/report/{node}/{executionID}/file", endpoint("file", this::file))
                .post(SECRET_PREFIX + "/report/{node}/{executionID}/event", endpoint("event", this::event))
                .setInvalidMethodHandler(exchange -> {
                    exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
                    PlainText.send(exchange, 405, "method " + exchange.getRequestMethod() + " is not allowed here: use POST");
                })
                .setFallbackHandler(exchange -> PlainText.send(exchange, 404,
                        "not found: callbacks go to POST [/job/<secret>]/report/<node>/<executionID>/result, /file or /event"));
        RequestLimitingHandler limited = new RequestLimitingHandler(settings.maxConcurrent(), settings.maxQueued(), routes);
        limited.getRequestLimit().setFailureHandler(exchange -> {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            PlainText.send(exchange, 503, "too many callbacks at once; retry in a second");
        });
        return observed(limited);
    }

    private interface Endpoint {
        void handle(HttpServerExchange exchange, String node, String executionId) throws Exception;
    }

    /**
     * One endpoint's chain, each handler wrapping the next: errors to answers → the job from the path
     * (and the log context) → only while this replica may write (else relay or 503) → the job's path
     * values, secret and state (400/401/406) → one of the job's slots (429) → the endpoint.
     */
    private HttpHandler endpoint(String name, Endpoint endpoint) {
        HttpHandler handle = exchange -> {
            CallbackJob job = CallbackJob.of(exchange);
            // Only now, with the caller known, ask for the body (curl waits 1 s for this before large uploads).
            if (HttpContinue.requiresContinueResponse(exchange)) {
                HttpContinue.sendContinueResponseBlocking(exchange);
            }
            try {
                endpoint.handle(exchange, job.node(), job.executionId());
            } catch (BudgetExceededException e) {
                budgetExceeded(job.executionId(), job.node(), e);
                throw new HttpProblem(e.status(), e.getMessage());
            }
        };
        HttpHandler chain = new ProblemHandler(CallbackJob.from(new LeaderOnly(store::fence, relay, engine::isTakingOver,
                new JobAuthentication(engine.callbacks(), settings, jobSlots.limit(handle)))));
        HttpHandler blocking = IdleTimeoutBlocking.handler(settings.bodyIdleTimeout(), chain);
        return exchange -> {
            exchange.putAttachment(ENDPOINT, name);
            blocking.handleRequest(exchange);
        };
    }

    private HttpHandler observed(HttpHandler next) {
        return exchange -> {
            long start = System.nanoTime();
            exchange.addExchangeCompleteListener((ex, nextListener) -> {
                try {
                    String endpoint = Optional.ofNullable(ex.getAttachment(ENDPOINT)).orElse("other");
                    long stored = Optional.ofNullable(ex.getAttachment(STORED)).orElse(0L);
                    observer.onCallback(new CallbackObserver.CallbackRequest(endpoint, ex.getStatusCode(),
                            Duration.ofNanos(System.nanoTime() - start), stored));
                } catch (RuntimeException e) {
                    LOG.warn("callback observer failed: {}", e.toString());
                } finally {
                    nextListener.proceed();
                }
            });
            next.handleRequest(exchange);
        };
    }

    /** Counts the refusal; the job's pod gets one Warning Event per budget, however often it tries again. */
    private void budgetExceeded(String executionId, String node, BudgetExceededException e) {
        LOG.info("refused over budget {}: {}", e.budget(), e.getMessage());
        observer.onBudgetExceeded(e.budget());
        boolean first;
        synchronized (budgetWarned) {
            first = budgetWarned.put(executionId + "/" + node + "/" + e.budget(), Boolean.TRUE) == null;
        }
        if (first) {
            try {
                events.publish(new JobEvent(executionId, node, true, "BudgetExceeded", e.getMessage(), "Refused",
                        engine.callbacks().attemptOf(executionId, node)));
            } catch (JobEventPublisher.JobEventException ex) {
                LOG.warn("the BudgetExceeded event could not be created: {}", ex.getMessage());
            }
        }
    }

    private void result(HttpServerExchange exchange, String node, String executionId) throws IOException {
        byte[] body = readSmallBody(exchange);
        List<String> lenient = new ArrayList<>();
        JobResult result = ResultParser.parse(body, settings.metricPrefix(), lenient);
        // Accepted as the Go controller accepted it; said once here so the job's author can fix it.
        lenient.forEach(w -> LOG.warn("result of node {} in execution {}: {}", node, executionId, w));
        if (result.valueCount() > settings.maxSeriesPerResult()) {
            throw new HttpProblem(413, "the result has " + result.valueCount() + " values, more than maxSeriesPerResult ("
                    + settings.maxSeriesPerResult() + "): send fewer label sets, or raise the limit in config.yaml");
        }
        io.batchjob.core.execution.ResultAdmission admission;
        try {
            // Room first (503 + Retry-After when the engine is behind): nothing is stored that the engine then refuses.
            admission = engine.callbacks().admitResult(executionId, node, result.valueCount());
        } catch (UnknownJobException e) {
            if (!settings.devMode()) {
                throw e; // the execution ended between the check and now
            }
            admission = null;
        }
        try (io.batchjob.core.execution.ResultAdmission held = admission) {
            store.write(executionId, node + ".json", body);
            exchange.putAttachment(STORED, (long) body.length);
            if (held != null) {
                held.accept(result);
            }
        } catch (UnknownJobException e) {
            if (!settings.devMode()) {
                throw e;
            }
        }
        LOG.debug("result stored: {} values", result.valueCount());
        PlainText.send(exchange, 200, "result stored for node " + node + " in execution " + executionId);
    }

    private void file(HttpServerExchange exchange, String node, String executionId) throws Exception {
        refuseAnnouncedOversize(exchange, settings.maxUploadSize());
        exchange.setMaxEntitySize(settings.maxUploadSize());
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        List<String> stored = new ArrayList<>();
        try (io.batchjob.core.report.UploadBatch batch = store.batch(executionId)) {
            if (contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
                storeParts(exchange, executionId, node, batch, stored);
            } else {
                String name = UploadNames.of(exchange);
                FileNames.requireSafe(name);
                String target = ownTarget(executionId, node, name);
                batch.add(target, exchange.getInputStream(), settings.maxUploadSize());
                requireWholeBody(exchange, batch.stagedBytes());
                stored.add(target);
            }
            long bytes = batch.stagedBytes();
            uploads.commit(executionId, node, batch, settings.budgets());
            exchange.putAttachment(STORED, bytes);
        }
        PlainText.send(exchange, 200, "stored " + String.join(", ", stored));
    }

    /**
     * {@code <node>-<name>}, unless that is another node's file: node {@code a} uploading
     * {@code b.json} would write {@code a-b.json}, the result of node {@code a-b}.
     */
    private String ownTarget(String executionId, String node, String name) {
        if (name.startsWith("container-") && name.endsWith(".log")) {
            // savePodLog writes <node>-container-<container>.log: a job must not forge (or pre-empt) its own saved log.
            throw new HttpProblem(400, "the file name '" + PlainText.printable(name) + "' is reserved: the controller saves pod logs as"
                    + " <node>-container-<container>.log; choose another name");
        }
        String target = node + "-" + name;
        Optional<String> owner = engine.callbacks().nodeOwningFile(executionId, target);
        if (owner.isPresent() && !owner.get().equals(node)) {
            throw new HttpProblem(400, "the file name '" + PlainText.printable(name) + "' would be stored as '" + PlainText.printable(target)
                    + "', a file of node " + PlainText.printable(owner.get()) + ": a job may only write its own files; choose another name");
        }
        return target;
    }

    private void storeParts(HttpServerExchange exchange, String executionId, String node, io.batchjob.core.report.UploadBatch batch, List<String> stored)
            throws Exception {
        store.createPrivateDirectory(multipartTemp);
        MultiPartParserDefinition multipart = new MultiPartParserDefinition(multipartTemp);
        multipart.setMaxIndividualFileSize(settings.maxUploadSize());
        multipart.setDefaultEncoding("UTF-8");
        FormParserFactory factory = FormParserFactory.builder(false).addParsers(multipart).build();
        try (io.undertow.server.handlers.form.FormDataParser parser = factory.createParser(exchange)) {
            if (parser == null) {
                throw new HttpProblem(400, "the multipart body has no boundary: send it as curl -F 'file=@report.txt' does");
            }
            FormData form = parser.parseBlocking();
            for (String field : form) {
                for (FormData.FormValue value : form.get(field)) {
                    if (!value.isFileItem()) {
                        continue; // plain form fields are not files
                    }
                    String name = value.getFileName() == null ? null
                            : java.text.Normalizer.normalize(value.getFileName(), java.text.Normalizer.Form.NFC);
                    if (name == null || name.isEmpty()) {
                        throw new HttpProblem(400, "the multipart part '" + PlainText.printable(field) + "' has no file name");
                    }
                    FileNames.requireSafe(name);
                    String target = ownTarget(executionId, node, name);
                    try (InputStream in = value.getFileItem().getInputStream()) {
                        batch.add(target, in, settings.maxUploadSize());
                    }
                    stored.add(target);
                }
            }
        }
        if (stored.isEmpty()) {
            throw new HttpProblem(400, "the multipart body contains no file: send files as parts with a file name");
        }
    }

    private void event(HttpServerExchange exchange, String node, String executionId) throws IOException {
        long retryAfter = eventRateLimit.acquire(executionId, node);
        if (retryAfter > 0) {
            throw new HttpProblem(429, "too many events from this job: at most " + EventRateLimit.BURST + " at once and "
                    + (int) EventRateLimit.PER_SECOND + " a second; retry after " + retryAfter + " s", (int) retryAfter);
        }
        byte[] body = readSmallBody(exchange);
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new HttpProblem(400, "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new HttpProblem(400, "the body must be a JSON object like {\"warning\": false, \"reason\": \"TestReason\", \"message\": \"m: %s\", \"args\": [\"a1\"]}");
        }
        boolean warning = false;
        JsonNode w = root.get("warning");
        if (w != null && !w.isNull()) {
            if (!w.isBoolean()) {
                throw new HttpProblem(400, "warning: expected true or false");
            }
            warning = w.booleanValue();
        }
        String reason = text(root, "reason");
        if (reason == null || reason.isEmpty()) {
            throw new HttpProblem(400, "reason is required, e.g. \"TestReason\"");
        }
        if (!REASON.matcher(reason).matches()) {
            throw new HttpProblem(400, "reason '" + PlainText.printable(reason) + "' is invalid: it must start with an upper-case letter, "
                    + "have at most 128 characters and no control characters");
        }
        String message = text(root, "message");
        if (message == null || message.isEmpty()) {
            throw new HttpProblem(400, "message is required");
        }
        List<Object> args = new ArrayList<>();
        JsonNode a = root.get("args");
        if (a != null && !a.isNull()) {
            if (!a.isArray()) {
                throw new HttpProblem(400, "args: expected a list of strings, numbers or booleans");
            }
            for (int i = 0; i < a.size(); i++) {
                JsonNode arg = a.get(i);
                if (arg.isTextual()) {
                    args.add(arg.asText());
                } else if (arg.isIntegralNumber()) {
                    args.add(arg.canConvertToLong() ? (Object) arg.longValue() : arg.asText());
                } else if (arg.isNumber()) {
                    args.add(arg.doubleValue());
                } else if (arg.isBoolean()) {
                    args.add(arg.booleanValue());
                } else {
                    throw new HttpProblem(400, "args[" + i + "]: expected a string, number or boolean");
                }
            }
        }
        String action = text(root, "action");
        if (action == null || action.isBlank()) {
            action = "n/a"; // as the Go controller (eventActionNotAvailable): events.k8s.io requires an action
        } else if (action.length() > 128) {
            throw new HttpProblem(400, "action: at most 128 characters");
        }
        // The publisher keeps within its own limits (the Kubernetes API's: 1024 bytes).
        String formatted = GoFormat.format(message, args);
        try {
            events.publish(new JobEvent(executionId, node, warning, reason, formatted, action, engine.callbacks().attemptOf(executionId, node)));
        } catch (JobEventPublisher.JobEventException e) {
            LOG.warn("event {} could not be created: {}", reason, e.getMessage());
            throw new HttpProblem(502, "the event could not be created: " + e.getMessage());
        }
        PlainText.send(exchange, 200, "event " + reason + " created for node " + node);
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new HttpProblem(400, field + ": expected a string");
        }
        return n.asText();
    }

    /**
     * A body whose {@code Content-Length} is over the limit is refused before a byte is read, by us
     * rather than by Undertow's entity-size check: that one leaves the body unreadable, and the 413
     * must be preceded by reading the rest (see {@link ProblemHandler}) for clients that send it all first.
     */
    private static void refuseAnnouncedOversize(HttpServerExchange exchange, long limit) {
        if (exchange.getRequestContentLength() > limit) {
            throw new SizeLimitExceededException(limit);
        }
    }

    /** Reads a JSON body of at most maxResultSize bytes into memory. */
    private byte[] readSmallBody(HttpServerExchange exchange) throws IOException {
        refuseAnnouncedOversize(exchange, settings.maxResultSize());
        exchange.setMaxEntitySize(settings.maxResultSize());
        long limit = settings.maxResultSize();
        try (InputStream in = exchange.getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) {
                throw new SizeLimitExceededException(limit);
            }
            requireWholeBody(exchange, body.length);
            return body;
        }
    }

    /** A body that ended before its Content-Length is a broken request, never a complete one. */
    private static void requireWholeBody(HttpServerExchange exchange, long received) throws IOException {
        long declared = exchange.getRequestContentLength();
        if (declared >= 0 && received != declared) {
            exchange.setPersistent(false);
            throw new java.io.EOFException("the body ended after " + received + " of " + declared + " bytes");
        }
    }

    /** Values from the request go back in messages and logs: short and without control characters. */
}

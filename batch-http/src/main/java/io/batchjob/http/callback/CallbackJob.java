package io.batchjob.http.callback;

import io.batchjob.http.PlainText;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.PathTemplateMatch;
import org.slf4j.MDC;

import java.util.Map;
import java.util.Optional;

/**
 * The job a callback request names: the path's node and execution ID, and the secret when the URL
 * carries it ({@code /job/<secret>/report/...}). Attached to the exchange by {@link #from}, the
 * first handler of each endpoint; the handlers after it read it with {@link #of}.
 */
record CallbackJob(String node, String executionId, Optional<String> pathSecret) {

    private static final AttachmentKey<CallbackJob> KEY = AttachmentKey.create(CallbackJob.class);

    /** The job of a request that went through {@link #from}. */
    static CallbackJob of(HttpServerExchange exchange) {
        CallbackJob job = exchange.getAttachment(KEY);
        if (job == null) {
            throw new IllegalStateException("no CallbackJob.from handler before this one");
        }
        return job;
    }

    /** Attaches this job to the exchange, for the handlers after this one. */
    void attachTo(HttpServerExchange exchange) {
        exchange.putAttachment(KEY, this);
    }

    /**
     * Reads the job from the matched path and runs {@code next} with it attached, and with the node
     * and execution ID in the log context (escaped: they are the caller's).
     */
    static HttpHandler from(HttpHandler next) {
        return exchange -> {
            Map<String, String> params = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters();
            CallbackJob job = new CallbackJob(params.get("node"), params.get("executionID"), Optional.ofNullable(params.get("secret")));
            job.attachTo(exchange);
            try (MDC.MDCCloseable a = MDC.putCloseable("node", PlainText.printable(job.node()));
                 MDC.MDCCloseable b = MDC.putCloseable("executionID", PlainText.printable(job.executionId()))) {
                next.handleRequest(exchange);
            }
        };
    }
}

package io.batchjob.http;

import io.batchjob.core.execution.UnknownJobException;
import io.batchjob.core.report.InvalidFileNameException;
import io.batchjob.core.report.ReportStorageException;
import io.batchjob.core.report.SizeLimitExceededException;
import io.batchjob.core.result.InvalidResultException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.handlers.form.MultiPartParserDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Turns what endpoint code throws into a status and a plain-text message: 400 for invalid input,
 * 406 for unknown jobs, 413 for too-large bodies, 429/503 with {@code Retry-After} for a job over
 * its limits or a busy engine, 500 for storage failures (with a short reason, never a stack
 * trace). Runs on the worker thread, around one endpoint.
 */
public final class ProblemHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);

    /** Unread body bytes consumed before an error answer, so the client reads the answer instead of a reset. */
    static final int DRAIN_LIMIT = 256 * 1024;

    private final HttpHandler next;

    public ProblemHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        try {
            next.handleRequest(exchange);
        } catch (HttpProblem p) {
            if (p.retryAfterSeconds() > 0) {
                exchange.getResponseHeaders().put(io.undertow.util.Headers.RETRY_AFTER, p.retryAfterSeconds());
            }
            if (p.status() == 401 || p.status() == 429) {
                refuseUnread(exchange); // a caller without credentials gets no reading of its body
            } else {
                drain(exchange);
            }
            PlainText.send(exchange, p.status(), p.getMessage());
        } catch (InvalidResultException | InvalidFileNameException e) {
            drain(exchange);
            PlainText.send(exchange, 400, e.getMessage());
        } catch (io.batchjob.core.execution.EngineBusyException e) {
            drain(exchange);
            exchange.getResponseHeaders().put(io.undertow.util.Headers.RETRY_AFTER, e.retryAfterSeconds());
            PlainText.send(exchange, 503, e.getMessage());
        } catch (UnknownJobException e) {
            refuseUnread(exchange);
            PlainText.send(exchange, 406, e.getMessage());
        } catch (SizeLimitExceededException e) {
            drainOversized(exchange);
            PlainText.send(exchange, 413, "the body is larger than the limit of " + e.limit() + " bytes");
        } catch (io.undertow.util.ParameterLimitException e) {
            drain(exchange);
            PlainText.send(exchange, 400, "too many parts or parameters: at most " + UndertowServer.MAX_PARAMETERS + " per request");
        } catch (RequestTooBigException | MultiPartParserDefinition.FileTooLargeException e) {
            long limit = exchange.getMaxEntitySize();
            drainOversized(exchange);
            PlainText.send(exchange, 413, "the body is larger than the limit of " + limit + " bytes");
        } catch (io.batchjob.core.report.FencedWriteException e) {
            drain(exchange);
            exchange.getResponseHeaders().put(io.undertow.util.Headers.RETRY_AFTER, 1);
            PlainText.send(exchange, 503, "this controller does not lead now; retry: the leader takes callbacks (" + e.getMessage() + ")");
        } catch (ReportStorageException e) {
            LOG.error("storing a callback failed: {}", e.getMessage());
            PlainText.send(exchange, 500, "the report could not be stored: " + rootMessage(e));
        } catch (IdleTimeoutBlocking.BodyIdleTimeoutException e) {
            LOG.debug("callback body stalled: {}", e.getMessage());
            exchange.setPersistent(false);
            PlainText.send(exchange, 408, e.getMessage() + "; nothing was stored");
        } catch (IOException e) {
            // The client's side of the body failed (reset, truncated): nothing was kept.
            LOG.debug("reading a callback body failed: {}", e.toString());
            PlainText.send(exchange, 400, "the request body could not be read: " + e.getMessage());
        } catch (Exception e) {
            if (e.getCause() instanceof io.undertow.util.ParameterLimitException limit) {
                // The multipart parser wraps it: more parts than UndertowOptions.MAX_PARAMETERS.
                drain(exchange);
                PlainText.send(exchange, 400, "too many parts or parameters: at most " + UndertowServer.MAX_PARAMETERS + " per request");
                return;
            }
            LOG.error("callback failed unexpectedly", e);
            PlainText.send(exchange, 500, "internal error: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Answers without waiting for the body: only what has already arrived is discarded (without
     * blocking, so that a sender that stalls holds nothing), the connection closes after the
     * answer, and a client that asked {@code Expect: 100-continue} never sends it.
     */
    private static void refuseUnread(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        if (exchange.isRequestComplete() || io.undertow.server.protocol.http.HttpContinue.requiresContinueResponse(exchange)) {
            return;
        }
        org.xnio.channels.StreamSourceChannel channel = exchange.getRequestChannel();
        if (channel == null) {
            return; // the body was being read already
        }
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(8192);
        try {
            long total = 0;
            for (int n; total < DRAIN_LIMIT && (n = channel.read(buffer)) > 0; buffer.clear()) {
                total += n;
            }
        } catch (IOException e) {
            // closing anyway
        }
    }

    /**
     * Reads and discards what is left of a small request body. Answering while unread data sits in
     * the socket makes the kernel reset the connection on close, and the client loses the answer.
     */
    private static void drain(HttpServerExchange exchange) {
        if (!exchange.isBlocking() || exchange.isRequestComplete()) {
            return;
        }
        try {
            long skipped = exchange.getInputStream().skip(DRAIN_LIMIT);
            if (skipped >= DRAIN_LIMIT) {
                exchange.setPersistent(false);
            }
        } catch (IOException | RuntimeException e) {
            exchange.setPersistent(false);
        }
    }

    /** The most of a refused, too-large body read and thrown away, and for how long, before the 413 goes out. */
    static final long OVERSIZED_DRAIN_LIMIT = 64L << 20;
    static final java.time.Duration OVERSIZED_DRAIN_TIME = java.time.Duration.ofSeconds(15);

    /**
     * Reads and throws away the rest of a body refused for its size (up to
     * {@value #OVERSIZED_DRAIN_LIMIT} bytes within {@link #OVERSIZED_DRAIN_TIME}), then closes the
     * connection after the answer: Python's urllib sends its whole body before it reads the answer,
     * and a connection closed under it is a broken pipe instead of the 413 (curl reports the 413
     * either way). A body announced larger than the limit is not read at all. Nothing is stored:
     * the bytes go to a scratch buffer.
     */
    private static void drainOversized(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        if (!exchange.isBlocking() || exchange.isRequestComplete()) {
            return;
        }
        long announced = exchange.getRequestContentLength();
        if (announced > OVERSIZED_DRAIN_LIMIT) {
            return;
        }
        exchange.setMaxEntitySize(OVERSIZED_DRAIN_LIMIT); // the refusing limit must not refuse the draining too
        long deadline = System.nanoTime() + OVERSIZED_DRAIN_TIME.toNanos();
        byte[] scratch = new byte[64 * 1024];
        long total = 0;
        try {
            java.io.InputStream in = exchange.getInputStream();
            for (int n; total < OVERSIZED_DRAIN_LIMIT && System.nanoTime() < deadline && (n = in.read(scratch)) >= 0; ) {
                total += n;
            }
        } catch (IOException | RuntimeException e) {
            // the client gave up, or the body cannot be read any more: the connection closes after the answer
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : m;
    }
}

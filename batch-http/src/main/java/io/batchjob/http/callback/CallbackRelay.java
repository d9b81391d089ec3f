package io.batchjob.http.callback;

import io.batchjob.core.spi.LeaderAddress;
import io.batchjob.http.HttpProblem;
import io.batchjob.http.ProblemHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Hands a callback that reached a replica which does not lead to the replica that does, so that a
 * job's result survives the death of the leader it was started by: job pods call a Service that
 * selects every ready replica, and whichever answers relays to the leader. The request goes on as
 * it came — method, path (with the job's secret), query, the headers that matter
 * ({@code Content-Type}, {@code Content-Disposition}, {@code Authorization}), the body streamed —
 * and the leader's answer comes back as it was: the leader checks the job's credentials and
 * limits, the relay adds nothing a job could forge. While no replica leads, the request waits up
 * to {@code maxWait} for one, then gets 503 with {@code Retry-After}. A relayed request is marked,
 * and a replica never relays a marked request again (no loops while leadership moves).
 *
 * <p>Threading: runs on the callback worker thread of the request (blocking, like every callback);
 * one shared {@link HttpClient}.
 */
public final class CallbackRelay {

    /** Marks a relayed request; a relayed request is never relayed again. */
    static final HttpString RELAYED = new HttpString("X-Batch-Job-Relayed");
    private static final Logger LOG = LoggerFactory.getLogger(CallbackRelay.class);
    private static final Set<HttpString> FORWARDED = Set.of(Headers.CONTENT_TYPE, Headers.CONTENT_DISPOSITION, Headers.AUTHORIZATION);
    private static final Set<String> RETURNED = Set.of("content-type", "retry-after", "www-authenticate", "allow");

    /** How often a relayed request may be relayed again: the replica it reached lost the lead meanwhile. */
    static final int MAX_HOPS = 2;
    /** How often a waiting request looks whether this replica leads now. */
    private static final Duration LOOK_AGAIN = Duration.ofSeconds(1);

    private final LeaderAddress leader;
    private final Duration maxWait;
    private final java.util.function.BooleanSupplier leadsNow;
    private final HttpClient client;

    public CallbackRelay(LeaderAddress leader, Duration maxWait) {
        this(leader, maxWait, () -> false);
    }

    /**
     * @param leadsNow whether this replica leads now and its engine runs: a request waiting for a
     *                 leader is then handled here
     */
    public CallbackRelay(LeaderAddress leader, Duration maxWait, java.util.function.BooleanSupplier leadsNow) {
        this.leader = leader;
        this.maxWait = maxWait;
        this.leadsNow = leadsNow;
        // HTTP/1.1: the callback servers speak nothing else; no redirects: an answer is passed on as it is.
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The most a request waits for a leader. */
    public Duration maxWait() {
        return maxWait;
    }

    /**
     * Relays the request to the leader and sends its answer; 503 with {@code Retry-After} when no
     * leader came within the wait, or the request was relayed too often already. While it waits,
     * a leader whose process is gone (the connection is refused; the Lease still names it) counts
     * as none, and when this replica becomes the leader the request is left to it.
     *
     * @return {@code true} when the request was answered, {@code false} when this replica leads now
     *         and should handle it itself
     */
    boolean relay(HttpServerExchange exchange, String reason) throws IOException {
        int hops = hops(exchange);
        if (hops >= MAX_HOPS) {
            throw new HttpProblem(503, "this controller does not lead now (" + reason + ") and the request was relayed " + hops
                    + " times already; retry", 1);
        }
        long deadline = System.nanoTime() + maxWait.toNanos();
        Optional<URI> refused = Optional.empty();
        try {
            while (true) {
                if (leadsNow.getAsBoolean()) {
                    return false;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new HttpProblem(503, refused.map(r -> "the leading controller at " + r + " refuses connections and no other took"
                            + " over within " + maxWait.toSeconds() + " s; retry").orElse("no controller leads now (waited "
                            + maxWait.toSeconds() + " s); retry"), 5);
                }
                // Looked at in slices, so that a replica that becomes the leader meanwhile takes the request at once.
                Duration slice = Duration.ofNanos(Math.min(left, LOOK_AGAIN.toNanos()));
                Optional<URI> target = refused.isPresent() ? leader.awaitOther(refused.get(), slice) : leader.await(slice);
                if (target.isPresent()) {
                    Optional<URI> refusedNow = send(exchange, target.get(), hops + 1);
                    if (refusedNow.isEmpty()) {
                        return true;
                    }
                    // The Lease names a leader whose process is gone (killed, not yet replaced): nobody leads until another
                    // replica takes the Lease. Nothing of the body was read, so the request can wait for that one.
                    refused = refusedNow;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpProblem(503, "the controller is stopping; retry", 1);
        }
    }

    private static int hops(HttpServerExchange exchange) {
        String value = exchange.getRequestHeaders().getFirst(RELAYED);
        if (value == null) {
            return 0;
        }
        try {
            return Math.max(1, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return MAX_HOPS; // not ours to trust: relayed no further
        }
    }

    /**
     * Relays to one leader and sends its answer.
     *
     * @return the leader's address when it refused the connection before anything of the request was sent
     */
    private Optional<URI> send(HttpServerExchange exchange, URI leaderUri, int hop) throws IOException {
        Optional<URI> target = Optional.of(leaderUri);
        URI uri = target.get().resolve(exchange.getRequestURI()
                + (exchange.getQueryString().isEmpty() ? "" : "?" + exchange.getQueryString()));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(3)).header(RELAYED.toString(), Integer.toString(hop));
        for (HttpString name : FORWARDED) {
            HeaderValues values = exchange.getRequestHeaders().get(name);
            if (values != null) {
                values.forEach(v -> request.header(name.toString(), v));
            }
        }
        if (io.undertow.server.protocol.http.HttpContinue.requiresContinueResponse(exchange)) {
            io.undertow.server.protocol.http.HttpContinue.sendContinueResponseBlocking(exchange); // curl waits for it before large uploads
        }
        // Read as the leader takes it: streamed, never held here. A failure on our side (the body over this listener's
        // limit, a stalled or broken upload) is answered as if there had been no relay.
        java.util.concurrent.atomic.AtomicReference<IOException> ours = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean bodyRead = new java.util.concurrent.atomic.AtomicBoolean();
        InputStream body = new java.io.FilterInputStream(exchange.getInputStream()) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                bodyRead.set(true);
                try {
                    return super.read(b, off, len);
                } catch (IOException e) {
                    ours.set(e);
                    throw e;
                }
            }
        };
        request.method(exchange.getRequestMethod().toString(), HttpRequest.BodyPublishers.ofInputStream(() -> body));
        HttpResponse<InputStream> answer;
        try {
            answer = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            if (ours.get() != null) {
                throw ours.get(); // ProblemHandler answers it: 413 for a body over the limit, 408 for a stalled one, ...
            }
            if (e instanceof java.net.ConnectException && !bodyRead.get()) {
                LOG.info("the leader at {} refuses connections; waiting for another to lead", target.get());
                return target;
            }
            LOG.info("relaying a callback to the leader at {} failed: {}", target.get(), e.toString());
            throw new HttpProblem(503, "the leading controller could not be reached (" + e.getMessage() + "); retry", 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpProblem(503, "the controller is stopping; retry", 1);
        }
        exchange.setStatusCode(answer.statusCode());
        answer.headers().map().forEach((name, values) -> {
            if (RETURNED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                exchange.getResponseHeaders().putAll(new HttpString(name), values);
            }
        });
        try (InputStream in = answer.body()) {
            if (!exchange.isBlocking()) {
                exchange.startBlocking();
            }
            OutputStream out = exchange.getOutputStream();
            in.transferTo(out);
            out.close();
        }
        return Optional.empty();
    }
}

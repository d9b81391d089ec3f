package io.batchjob.http.callback;

import io.batchjob.core.spi.WriteFence;
import io.batchjob.http.HttpProblem;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.Optional;

/**
 * Lets a callback through only on a replica that may write now. A replica that may not lead stores
 * nothing: it hands the request to the leader ({@link CallbackRelay}), or, without a relay,
 * answers 503 with {@code Retry-After} so the job tries again.
 */
final class LeaderOnly implements HttpHandler {

    private final WriteFence fence;
    private final CallbackRelay relay;
    private final HttpHandler next;

    /** @param relay null: refuse with 503 instead of relaying */
    LeaderOnly(WriteFence fence, CallbackRelay relay, HttpHandler next) {
        this.fence = fence;
        this.relay = relay;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        Optional<String> refusal = fence.refusal();
        if (refusal.isPresent()) {
            if (relay == null) {
                throw new HttpProblem(503, "this controller does not lead now (" + refusal.get() + "); retry: the leader takes callbacks", 1);
            }
            if (relay.relay(exchange, refusal.get())) {
                return;
            }
            // This replica leads now: the request is its own.
        }
        next.handleRequest(exchange);
    }
}

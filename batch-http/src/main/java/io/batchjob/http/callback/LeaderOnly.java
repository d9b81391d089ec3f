package io.batchjob.http.callback;

import io.batchjob.core.spi.WriteFence;
import io.batchjob.http.HttpProblem;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Lets a callback through only on a replica that may write now and knows the job. A replica that may
 * not lead stores nothing: it hands the request to the leader ({@link CallbackRelay}), or, without a
 * relay, answers 503 with {@code Retry-After} so the job tries again. A replica that has just taken
 * the lead and is still resuming or adopting the running execution answers 503 with {@code
 * Retry-After} too: it cannot check the job's secret yet, and a 401 would fail a job that did nothing wrong.
 */
final class LeaderOnly implements HttpHandler {

    /** Read per request: the controller sets the store's fence (its leadership's) after the API is built. */
    private final Supplier<WriteFence> fence;
    private final CallbackRelay relay;
    private final BooleanSupplier takingOver;
    private final HttpHandler next;

    /**
     * @param relay      null: refuse with 503 instead of relaying
     * @param takingOver whether the engine is still resuming what it took over
     */
    LeaderOnly(Supplier<WriteFence> fence, CallbackRelay relay, BooleanSupplier takingOver, HttpHandler next) {
        this.fence = fence;
        this.relay = relay;
        this.takingOver = takingOver;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        Optional<String> refusal = fence.get().refusal();
        if (refusal.isPresent()) {
            if (relay == null) {
                throw new HttpProblem(503, "this controller does not lead now (" + refusal.get() + "); retry: the leader takes callbacks", 1);
            }
            if (relay.relay(exchange, refusal.get())) {
                return;
            }
            // This replica leads now: the request is its own.
        }
        if (takingOver.getAsBoolean()) {
            throw new HttpProblem(503, "this controller is taking over the running execution; retry in a second", 1);
        }
        next.handleRequest(exchange);
    }
}

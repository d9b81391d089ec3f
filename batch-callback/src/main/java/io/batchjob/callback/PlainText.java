package io.batchjob.callback;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

/** Sends short plain-text responses with the headers every response of ours carries. */
final class PlainText {

    private PlainText() {
    }

    static void send(HttpServerExchange exchange, int status, String message) {
        if (exchange.isResponseStarted()) {
            return;
        }
        JobSlots.releaseBeforeResponse(exchange);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        secure(exchange);
        String body = message.endsWith("\n") ? message : message + "\n";
        if (Methods.HEAD.equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            exchange.endExchange();
        } else {
            exchange.getResponseSender().send(body);
        }
    }

    /** Headers that keep browsers from guessing types or framing our responses. */
    static void secure(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff");
        exchange.getResponseHeaders().put(Headers.X_FRAME_OPTIONS, "DENY");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
    }
}

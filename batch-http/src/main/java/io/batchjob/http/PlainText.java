package io.batchjob.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

/** Sends short plain-text responses with the headers every response of ours carries. */
public final class PlainText {

    private PlainText() {
    }

    public static void send(HttpServerExchange exchange, int status, String message) {
        if (exchange.isResponseStarted()) {
            return;
        }
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

    /** A value from a request, safe to put in a log line or an answer: control characters escaped, at most 100 characters. */
    public static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(100).forEach(cp -> sb.append(Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT
                ? String.format("\\u%04x", cp) : new String(Character.toChars(cp))));
        return s.codePointCount(0, s.length()) > 100 ? sb + "..." : sb.toString();
    }

    /** Headers that keep browsers from guessing types or framing our responses. */
    public static void secure(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff");
        exchange.getResponseHeaders().put(Headers.X_FRAME_OPTIONS, "DENY");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
    }
}

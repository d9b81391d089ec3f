package io.batchjob.http.callback;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads the job secret a callback presents: {@code Authorization: Bearer <secret>}, or Basic
 * credentials whose password is the secret (what curl sends for the injected
 * {@code http://job:<secret>@host/...} URLs).
 */
final class Credentials {

    private Credentials() {
    }

    static Optional<String> presentedSecret(HttpServerExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header == null) {
            return Optional.empty();
        }
        String value = header.strip();
        int space = value.indexOf(' ');
        if (space < 0) {
            return Optional.of("");
        }
        String scheme = value.substring(0, space);
        String credentials = value.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return Optional.of(credentials);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            try {
                String decoded = new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return Optional.of(colon < 0 ? "" : decoded.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                return Optional.of("");
            }
        }
        return Optional.of("");
    }
}

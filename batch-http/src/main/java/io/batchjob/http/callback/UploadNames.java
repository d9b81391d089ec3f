package io.batchjob.http.callback;

import io.batchjob.http.HttpProblem;
import io.batchjob.http.PlainText;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The name of a raw file upload, as the Go controller chose it: {@code ?name=}, else the
 * {@code Content-Disposition} file name ({@code filename*} per RFC 5987 before {@code filename},
 * as RFC 6266 asks), else a random UUID with an extension derived from {@code Content-Type}. The
 * result is checked by the report store's file-name policy, not cleaned up: a hostile name is
 * refused, never rewritten.
 *
 * <p>{@code filename*} is decoded here rather than with Undertow's
 * {@code Headers.extractQuotedValueFromHeaderWithEncoding}: that helper prefers {@code filename},
 * keeps the language tag in the name and fails with an unchecked exception on unknown charsets.
 */
final class UploadNames {

    private static final Map<String, String> EXTENSIONS = Map.ofEntries(
            Map.entry("text/plain", ".txt"),
            Map.entry("text/csv", ".csv"),
            Map.entry("text/html", ".html"),
            Map.entry("text/markdown", ".md"),
            Map.entry("text/xml", ".xml"),
            Map.entry("text/yaml", ".yaml"),
            Map.entry("application/json", ".json"),
            Map.entry("application/x-ndjson", ".ndjson"),
            Map.entry("application/xml", ".xml"),
            Map.entry("application/yaml", ".yaml"),
            Map.entry("application/x-yaml", ".yaml"),
            Map.entry("application/gzip", ".gz"),
            Map.entry("application/x-gzip", ".gz"),
            Map.entry("application/zip", ".zip"),
            Map.entry("application/x-tar", ".tar"),
            Map.entry("application/pdf", ".pdf"),
            Map.entry("application/octet-stream", ".bin"),
            Map.entry("image/png", ".png"),
            Map.entry("image/jpeg", ".jpg"),
            Map.entry("image/gif", ".gif"),
            Map.entry("image/svg+xml", ".svg"));

    private UploadNames() {
    }

    static String of(HttpServerExchange exchange) {
        Deque<String> names = exchange.getQueryParameters().get("name");
        if (names != null && !names.isEmpty()) {
            if (names.size() > 1) {
                throw new HttpProblem(400, "the query parameter 'name' is given " + names.size() + " times; give it once");
            }
            requireUtf8Query(exchange.getQueryString());
            return java.text.Normalizer.normalize(names.getFirst(), java.text.Normalizer.Form.NFC);
        }
        String disposition = exchange.getRequestHeaders().getFirst(Headers.CONTENT_DISPOSITION);
        if (disposition != null) {
            Map<String, String> params = parameters(disposition);
            String extended = params.get("filename*");
            if (extended != null) {
                return java.text.Normalizer.normalize(decodeExtended(extended), java.text.Normalizer.Form.NFC);
            }
            String name = Headers.extractQuotedValueFromHeader(disposition, "filename");
            if (name != null) {
                return java.text.Normalizer.normalize(name, java.text.Normalizer.Form.NFC);
            }
        }
        return UUID.randomUUID() + extension(exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE));
    }

    /** Parameters of a header value, names lower-cased, quoted values unquoted (a ';' inside quotes is kept). */
    static Map<String, String> parameters(String header) {
        Map<String, String> params = new java.util.LinkedHashMap<>();
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (c == '"' && (i == 0 || header.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        for (String part : parts.subList(1, parts.size())) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                String value = part.substring(eq + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
                }
                params.putIfAbsent(part.substring(0, eq).strip().toLowerCase(Locale.ROOT), value);
            }
        }
        return params;
    }

    /**
     * Refuses a {@code name} whose percent-decoded bytes are not UTF-8: decoding would turn each bad
     * byte into U+FFFD, and {@code %ff} and {@code %fe} would then both store one file.
     */
    private static void requireUtf8Query(String query) {
        if (query == null) {
            return;
        }
        for (String part : query.split("&")) {
            if (part.startsWith("name=")) {
                requireUtf8(part.substring(5), "the query parameter 'name'");
            }
        }
    }

    /** Throws 400 unless the percent-encoded text decodes to well-formed UTF-8. */
    static void requireUtf8(String percentEncoded, String what) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < percentEncoded.length(); i++) {
            char c = percentEncoded.charAt(i);
            if (c == '%' && i + 2 < percentEncoded.length()) {
                int hi = Character.digit(percentEncoded.charAt(i + 1), 16);
                int lo = Character.digit(percentEncoded.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new HttpProblem(400, what + " has an invalid percent-encoding");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (c == '%') {
                throw new HttpProblem(400, what + " has an invalid percent-encoding");
            } else {
                byte[] b = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new HttpProblem(400, what + " is not valid UTF-8 once percent-decoded: encode the name's UTF-8 bytes (e.g. caf%C3%A9.txt)");
        }
    }

    /** RFC 5987 {@code charset'language'percent-encoded}. */
    static String decodeExtended(String value) {
        int first = value.indexOf('\'');
        int second = first < 0 ? -1 : value.indexOf('\'', first + 1);
        if (second < 0) {
            throw new HttpProblem(400, "Content-Disposition filename* must look like filename*=UTF-8''name.txt");
        }
        Charset charset;
        try {
            charset = Charset.forName(value.substring(0, first));
        } catch (IllegalArgumentException e) {
            throw new HttpProblem(400, "Content-Disposition filename* names an unknown charset '"
                    + PlainText.printable(value.substring(0, first)) + "'; use UTF-8");
        }
        if (charset.equals(java.nio.charset.StandardCharsets.UTF_8)) {
            requireUtf8(value.substring(second + 1), "Content-Disposition filename*");
        }
        try {
            // '+' is a literal plus in RFC 5987, not a space as in form encoding.
            return URLDecoder.decode(value.substring(second + 1).replace("+", "%2B"), charset);
        } catch (IllegalArgumentException e) {
            throw new HttpProblem(400, "Content-Disposition filename* has an invalid percent-encoding");
        }
    }

    static String extension(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        return EXTENSIONS.getOrDefault(type, "");
    }
}

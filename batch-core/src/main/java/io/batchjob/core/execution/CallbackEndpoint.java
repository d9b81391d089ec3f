package io.batchjob.core.execution;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where job pods call back: host and port of the callback API. An IPv6 host is bracketed in
 * URLs.
 *
 * @param host a host name or IP address (IPv6 with or without brackets)
 * @param port the callback port
 */
public record CallbackEndpoint(String host, int port) {

    public CallbackEndpoint {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("the callback host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the callback port must be from 1 to 65535, was " + port);
        }
    }

    /** The host as it appears in a URL: IPv6 addresses in brackets. */
    public String urlHost() {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** The path segment before {@code /<secret>/report/...} in URLs that carry the job's secret. */
    public static final String SECRET_SEGMENT = "job";

    /**
     * @param secret      the job's secret to carry in the path ({@code /job/<secret>/report/...}), or
     *                    {@code null} for the Go controller's plain path. In the path (not the user
     *                    info) every common client sends it: Python urllib, Node fetch and Java's
     *                    HttpClient drop or refuse user info.
     * @param node        the node (path segment, escaped)
     * @param executionId the execution
     * @param kind        {@code result}, {@code file} or {@code event}
     * @return e.g. {@code http://10.0.0.1:8090/job/<secret>/report/node-a/20260101000000/result}
     */
    public String url(String secret, String node, String executionId, String kind) {
        return "http://" + urlHost() + ":" + port + (secret == null ? "" : "/" + SECRET_SEGMENT + "/" + segment(secret))
                + "/report/" + segment(node) + "/" + segment(executionId) + "/" + kind;
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

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

    /**
     * @param userInfo   {@code user:password} to embed, or {@code null}
     * @param node       the node (path segment, escaped)
     * @param executionId the execution
     * @param kind       {@code result}, {@code file} or {@code event}
     * @return e.g. {@code http://10.0.0.1:8090/report/node-a/20260101000000/result}
     */
    public String url(String userInfo, String node, String executionId, String kind) {
        return "http://" + (userInfo == null ? "" : userInfo + "@") + urlHost() + ":" + port
                + "/report/" + segment(node) + "/" + segment(executionId) + "/" + kind;
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

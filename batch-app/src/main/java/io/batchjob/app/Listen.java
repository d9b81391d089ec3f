package io.batchjob.app;

/**
 * Where the four servers listen. {@link #fromConfig()} uses the configured ports; tests and the
 * sandbox may pass explicit ports (0 = any free port).
 *
 * @param host address to bind ({@code 0.0.0.0} in a pod)
 */
public record Listen(String host, Integer reportPort, Integer callbackPort, Integer healthPort, Integer metricsPort) {

    public static Listen fromConfig() {
        return fromConfig("0.0.0.0");
    }

    /** The configured ports on one address (e.g. a second loopback address for a second controller on one machine). */
    public static Listen fromConfig(String host) {
        return new Listen(host, null, null, null, null);
    }

    /** All four on free loopback ports. */
    public static Listen loopbackAnyPort() {
        return new Listen("127.0.0.1", 0, 0, 0, 0);
    }
}

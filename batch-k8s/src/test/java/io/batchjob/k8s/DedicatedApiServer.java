package io.batchjob.k8s;

/**
 * A test class's own API server with one namespace in it, for tests that restart, pause or compact
 * the server (the shared one of {@link RealApi} must stay up for the other classes). Skips or fails
 * as {@link RealApi} does when the binary is missing.
 */
public final class DedicatedApiServer implements AutoCloseable {

    private final TestApiServer server;
    private final RealApiCluster cluster;

    private DedicatedApiServer(TestApiServer server, RealApiCluster cluster) {
        this.server = server;
        this.cluster = cluster;
    }

    /** Starts a server named {@code name} with a namespace of the same name. */
    public static DedicatedApiServer start(String name, String... extraApiServerArgs) {
        RealApiServerExtension.requireBinary();
        TestApiServer server = TestApiServer.startDedicated(name, extraApiServerArgs);
        try {
            return new DedicatedApiServer(server, RealApiCluster.create(server, name));
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    public TestApiServer server() {
        return server;
    }

    public RealApiCluster cluster() {
        return cluster;
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } finally {
            server.close();
        }
    }
}

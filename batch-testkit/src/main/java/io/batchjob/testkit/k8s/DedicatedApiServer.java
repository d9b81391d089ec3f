package io.batchjob.testkit.k8s;

import io.batchjob.testkit.Tools;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's own API server with one namespace in it, for tests that restart, pause or compact
 * the server (the shared one of {@link RealApi} must stay up for the other classes). Register it as
 * a static {@code @RegisterExtension} field: it starts before the class's tests and stops after
 * them, and skips or fails as {@link RealApi} does when the binary is missing.
 */
public final class DedicatedApiServer implements BeforeAllCallback, AfterAllCallback, org.junit.jupiter.api.extension.ExecutionCondition {

    private final String name;
    private final String[] extraApiServerArgs;
    private TestApiServer server;
    private RealApiCluster cluster;

    private DedicatedApiServer(String name, String... extraApiServerArgs) {
        this.name = name;
        this.extraApiServerArgs = extraApiServerArgs;
    }

    /** A server named {@code name} with a namespace of the same name, started with these extra kube-apiserver flags. */
    public static DedicatedApiServer named(String name, String... extraApiServerArgs) {
        return new DedicatedApiServer(name, extraApiServerArgs);
    }

    @Override
    public org.junit.jupiter.api.extension.ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return RealApiServerExtension.withoutBinary(context);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (TestApiServer.binary().isEmpty() && !io.batchjob.testkit.Tools.ci()) {
            return; // each test is disabled with the reason
        }
        RealApiServerExtension.requireBinary();
        server = TestApiServer.startDedicated(name, extraApiServerArgs);
        cluster = RealApiCluster.create(server, name);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    public TestApiServer server() {
        return server;
    }

    public RealApiCluster cluster() {
        return cluster;
    }
}

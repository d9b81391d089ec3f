package io.batchjob.testkit.k8s;

import io.batchjob.testkit.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;

import java.lang.reflect.Field;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** The JUnit side of {@link RealApi}: one server per JVM, one namespace and admin client per test class. */
public final class RealApiServerExtension implements BeforeAllCallback, AfterAllCallback, TestInstancePostProcessor, ParameterResolver,
        org.junit.jupiter.api.extension.ExecutionCondition {

    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(RealApiServerExtension.class);

    /**
     * Fails (with {@code CI=true}) or skips the calling test when the server binary is missing; for
     * tests that start a {@linkplain TestApiServer#startDedicated dedicated} server themselves.
     */
    public static void requireBinary() {
        if (TestApiServer.binary().isEmpty()) {
            if (io.batchjob.testkit.Tools.ci()) {
                throw new ExtensionConfigurationException(TestApiServer.missingBinaryMessage());
            }
            Assumptions.abort(io.batchjob.testkit.Tools.skipReason("the test API server", TestApiServer.missingBinaryMessage()));
        }
    }

    /**
     * Without the server binary (and not in CI) each test is reported skipped with the command that
     * builds it — the class is not aborted as a whole, which Surefire would count as no test at all.
     */
    static org.junit.jupiter.api.extension.ConditionEvaluationResult withoutBinary(ExtensionContext context) {
        if (context.getTestMethod().isEmpty() || TestApiServer.binary().isPresent() || io.batchjob.testkit.Tools.ci()) {
            return org.junit.jupiter.api.extension.ConditionEvaluationResult.enabled("the test API server is built");
        }
        return org.junit.jupiter.api.extension.ConditionEvaluationResult.disabled(
                io.batchjob.testkit.Tools.skipReason("the test API server", TestApiServer.missingBinaryMessage()));
    }

    @Override
    public org.junit.jupiter.api.extension.ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return withoutBinary(context);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (TestApiServer.binary().isEmpty() && !io.batchjob.testkit.Tools.ci()) {
            return; // each test is disabled with the reason
        }
        requireBinary();
        cluster(context);
    }

    static String namespaceFor(Class<?> testClass) {
        String base = testClass.getSimpleName().replaceAll("RealApiIT$", "").replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
        base = base.length() > 40 ? base.substring(0, 40) : base;
        return base + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
    }

    /** The class's cluster, created on first use (test instances per class are post-processed before beforeAll). */
    private static RealApiCluster cluster(ExtensionContext context) {
        ExtensionContext classContext = context.getTestMethod().isPresent() ? context.getParent().orElseThrow() : context;
        return classContext.getStore(STORE).getOrComputeIfAbsent(RealApiCluster.class, key -> {
            requireBinary();
            Class<?> testClass = classContext.getRequiredTestClass();
            RealApi settings = testClass.getAnnotation(RealApi.class);
            String namespace = settings != null && !settings.namespace().isEmpty() ? settings.namespace() : namespaceFor(testClass);
            return RealApiCluster.create(TestApiServer.shared(), namespace);
        }, RealApiCluster.class);
    }

    @Override
    public void postProcessTestInstance(Object instance, ExtensionContext context) throws IllegalAccessException {
        if (TestApiServer.binary().isEmpty() && !io.batchjob.testkit.Tools.ci()) {
            return;
        }
        for (Class<?> c = instance.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() == RealApiCluster.class) {
                    f.setAccessible(true);
                    f.set(instance, cluster(context));
                }
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RealApiCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RealApiCluster c = context.getStore(STORE).remove(RealApiCluster.class, RealApiCluster.class);
        if (c != null) {
            c.close();
        }
    }
}

package io.batchjob.testkit.k8s;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test class against the real API server of this JVM ({@link TestApiServer#shared()}) in a
 * namespace of its own; fields and parameters of type {@link RealApiCluster} are filled in. Name
 * such classes {@code *RealApiIT}. With {@code CI=true} a missing server binary fails the class;
 * elsewhere the class is skipped with a message saying how to build it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RealApiServerExtension.class)
public @interface RealApi {

    /** A fixed namespace name (e.g. the one a manifest names), instead of a generated one. */
    String namespace() default "";
}

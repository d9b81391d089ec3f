package io.batchjob.core.spi;

import java.util.Map;

/**
 * Adds environment variables to every job (the Go controller's {@code CustomPodEnv}), e.g. from
 * the {@code custom} section of the config. The standard variables ({@code NAMESPACE},
 * {@code NODE_NAME}, {@code EXECUTION_ID}, {@code CALLBACK_*}) are reserved: a contributor
 * cannot replace them, and such entries are dropped with a warning.
 */
@FunctionalInterface
public interface JobEnvContributor {

    /**
     * Called once per job on a dispatch thread; keep it fast.
     *
     * @return variables to add; names must be valid environment variable names
     */
    Map<String, String> environment(String executionId, String node);
}

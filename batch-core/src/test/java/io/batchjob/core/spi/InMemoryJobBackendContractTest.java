package io.batchjob.core.spi;

import io.batchjob.core.testing.InMemoryJobBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The reference backend passes the contract. */
class InMemoryJobBackendContractTest extends JobBackendContractTest {

    private InMemoryJobBackend backend;

    @BeforeEach
    void createBackend() {
        backend = InMemoryJobBackend.manual();
    }

    @AfterEach
    void closeBackend() {
        backend.close();
    }

    @Override
    protected JobBackend backend() {
        return backend;
    }

    @Override
    protected void endJob(String executionId, String node, JobOutcome status) {
        backend.end(executionId, node, new JobEnd(status, status == JobOutcome.FAILED ? "exit code 1" : ""));
    }
}

package io.batchjob.examples.local;

import io.batchjob.core.spi.JobBackend;
import io.batchjob.core.spi.JobBackendContractTest;
import io.batchjob.core.spi.JobOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The local-process backend passes the engine's backend contract unchanged. Each job blocks reading
 * a named pipe; ending a job writes its exit code into the pipe.
 */
class LocalProcessBackendContractTest extends JobBackendContractTest {

    @TempDir
    Path pipes;
    private LocalProcessBackend backend;

    @BeforeEach
    void start() throws Exception {
        for (String execution : List.of("100", "200")) {
            for (String node : nodes()) {
                Process p = new ProcessBuilder("mkfifo", pipes.resolve(execution + "-" + node).toString()).inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("mkfifo failed");
                }
            }
        }
        backend = new LocalProcessBackend(List.of("sh", "-c", "read code < \"$PIPES/$EXECUTION_ID-$NODE_NAME\"; exit $code"),
                Map.of("PATH", System.getenv("PATH"), "PIPES", pipes.toString()), null);
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    @Override
    protected JobBackend backend() {
        return backend;
    }

    @Override
    protected void endJob(String executionId, String node, JobOutcome status) {
        try (OutputStream out = Files.newOutputStream(pipes.resolve(executionId + "-" + node))) {
            out.write((status == JobOutcome.SUCCEEDED ? "0\n" : "1\n").getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.batchjob.http.callback;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A replica whose fence is closed (it may no longer lead) stores no callback and tells the job to retry. */
class CallbackFenceTest {

    @TempDir
    Path base;

    @Test
    void aCallbackToAReplicaThatMayNotLeadIsAnswered503WithRetryAfterAndNothingIsStored() throws Exception {
        try (CallbackFixture f = CallbackFixture.standard(base)) {
            f.harness.store.fenceWith(() -> Optional.of("the leader Lease was last renewed 20000 ms ago"));
            HttpResponse<String> result = f.post(f.injectedUrl("node-a", "result"), null, "application/json",
                    "{\"m\":[{\"value\":1}]}".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> file = f.post(f.injectedUrl("node-a", "file") + "?name=a.txt", null, "text/plain",
                    "x".getBytes(StandardCharsets.UTF_8));

            for (HttpResponse<String> r : java.util.List.of(result, file)) {
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).contains("1");
                assertThat(r.body()).contains("this controller does not lead now").contains("retry");
            }
            assertThat(f.reports.resolve(f.executionId).resolve("node-a.json")).doesNotExist();
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-a.txt")).doesNotExist();

            f.harness.store.fenceWith(io.batchjob.core.spi.WriteFence.OPEN); // leading again: the retry works
            assertThat(f.post(f.injectedUrl("node-a", "result"), null, "application/json",
                    "{\"m\":[{\"value\":1}]}".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        }
    }
}

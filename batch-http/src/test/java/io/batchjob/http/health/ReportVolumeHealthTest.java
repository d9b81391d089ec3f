package io.batchjob.http.health;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.batchjob.core.report.ReportStore;
import io.batchjob.http.UndertowServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code /readyz} says the report volume is not ok while it refuses writes or records wait for it, and ok again after. */
class ReportVolumeHealthTest {

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void aFullVolumeOrUnwrittenRecordsMakeTheControllerNotReadyUntilBothAreOver() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setMaxSize(1L << 20).setAttributeViews("basic", "posix").build())) {
            ReportStore store = new ReportStore(fs.getPath("/reports"));
            AtomicInteger unwritten = new AtomicInteger();
            HealthEndpoints health = new HealthEndpoints().addReadiness(HealthEndpoints.reportVolume(store, unwritten::get));
            try (UndertowServer server = UndertowServer.start("health", "127.0.0.1", 0, health.handler(), UndertowServer.Limits.threads(1))) {
                assertThat(readyz(server)).startsWith("200\nok\nreport-volume: ok (writes to /reports)");

                Path filler = store.root().resolve("filler");
                try (OutputStream out = Files.newOutputStream(filler)) {
                    for (int i = 0; i < 1_000; i++) {
                        out.write(new byte[4096]);
                    }
                } catch (IOException full) {
                    // the volume is full
                }
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(readyz(server)).startsWith("503\n").contains("report-volume: FAILED (writes to /reports)"));

                Files.delete(filler);
                unwritten.set(2); // space is back, but records still wait to be written
                await().atMost(Duration.ofSeconds(10)).until(() -> store.writeProblem().isEmpty());
                assertThat(readyz(server)).startsWith("503\n");
                unwritten.set(0);
                assertThat(readyz(server)).startsWith("200\n");
            }
        }
    }

    private String readyz(UndertowServer server) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + "\n" + r.body();
    }
}

package io.batchjob.http.callback;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upload or result over its limit is answered 413 in a way curl and Python's urllib both
 * report as a 413 (urllib sends the whole body before it reads the answer: a connection closed
 * while it sends is a broken pipe to it, not an HTTP error), and nothing is stored.
 */
class OversizedBodyClientsIT {

    private static final long MAX_UPLOAD = 64 * 1024;
    private static final long MAX_RESULT = 4 * 1024;

    private CallbackFixture f;

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    /** The client prints the HTTP status it saw, or the error it got instead. */
    private static final Map<String, List<String>> CLIENTS = Map.of(
            "curl", List.of("sh", "-c", "head -c \"$SIZE\" /dev/zero | curl -sS -o /dev/null -w '%{http_code}' -X POST --data-binary @- \"$URL\""),
            "python-urllib", List.of("python3", "-c", """
                    import os, urllib.request, urllib.error
                    body = b"0" * int(os.environ["SIZE"])
                    try:
                        with urllib.request.urlopen(urllib.request.Request(os.environ["URL"], data=body, method="POST")) as r:
                            print(r.status, end="")
                    except urllib.error.HTTPError as e:
                        print(e.code, end="")
                    except Exception as e:
                        print(type(e).__name__, e, end="")
                    """));

    @ParameterizedTest(name = "{0} {1} of {2} bytes")
    @CsvSource({
            "curl, file, 1048576", "python-urllib, file, 1048576", "python-urllib, file, 16777216",
            "curl, result, 65536", "python-urllib, result, 1048576"})
    void anOversizedBodyIsA413TheClientReports(String client, String kind, int size, @TempDir Path base) throws Exception {
        f = new CallbackFixture(base, io.batchjob.core.config.CallbackAuth.TOKEN, false, MAX_UPLOAD, MAX_RESULT, 16, 512);
        List<String> before = f.snapshot();
        String url = f.injectedUrl("node-a", kind) + (kind.equals("file") ? "?name=big.bin" : "");

        ProcessBuilder pb = new ProcessBuilder(CLIENTS.get(client)).redirectErrorStream(true);
        pb.environment().putAll(Map.of("URL", url, "SIZE", Integer.toString(size)));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(out).as(client + " saw").isEqualTo("413");
        assertThat(f.snapshot()).as("nothing stored, no partial file").isEqualTo(before);
        assertThat(Files.exists(f.reports.resolve(f.executionId).resolve("node-a-big.bin"))).isFalse();
    }
}

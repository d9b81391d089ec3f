package io.batchjob.http.callback;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile and malformed callbacks, sent as raw HTTP over a socket so nothing is normalised on the
 * way. Each asserts the status, the message, and that no file changed anywhere below the test
 * directory (inside or outside the report directory, no partial or temporary file left).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileCallbackTest {

    private static final long MAX_UPLOAD = 64 * 1024;
    private static final long MAX_RESULT = 4 * 1024;

    private CallbackFixture f;

    @BeforeAll
    void start(@TempDir Path base) {
        f = new CallbackFixture(base, io.batchjob.core.config.CallbackAuth.TOKEN, false, MAX_UPLOAD, MAX_RESULT, 16, 512);
    }

    @AfterAll
    void stop() {
        f.close();
    }

    /** A raw request: method, path (relative to /report/), headers, body; {ID}, %A (node-a auth), %B (node-b auth) are filled in. */
    record Hostile(String title, String method, String path, List<String> headers, byte[] body, int status, String message) {
        @Override
        public String toString() {
            return title;
        }
    }

    private static Hostile h(String title, String method, String path, List<String> headers, String body, int status, String message) {
        return new Hostile(title, method, path, headers, body.getBytes(StandardCharsets.UTF_8), status, message);
    }

    private static Hostile h(String title, String method, String path, List<String> headers, byte[] body, int status, String message) {
        return new Hostile(title, method, path, headers, body, status, message);
    }

    private static final List<String> A = List.of("Authorization: {AUTH_A}");

    private static List<String> a(String... more) {
        return Stream.concat(A.stream(), Stream.of(more)).toList();
    }

    private static String multipart(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i += 2) {
            sb.append("--XyZ\r\nContent-Disposition: form-data; ").append(parts[i]).append("\r\nContent-Type: text/plain\r\n\r\n")
                    .append(parts[i + 1]).append("\r\n");
        }
        return sb.append("--XyZ--\r\n").toString();
    }

    static Stream<Hostile> corpus() {
        String mp = "Content-Type: multipart/form-data; boundary=XyZ";
        String big = "x".repeat((int) MAX_UPLOAD + 1);
        return Stream.of(
                // traversal in ?name=
                h("name ../", "POST", "/report/node-a/{ID}/file?name=../x.txt", A, "x", 400, "the file name must not contain '/'"),
                h("name encoded ../../", "POST", "/report/node-a/{ID}/file?name=..%2F..%2Fx.txt", A, "x", 400, "the file name must not contain '/'"),
                h("name double-encoded", "POST", "/report/node-a/{ID}/file?name=%252e%252e%252fx", A, "x", 400, "percent-encoded"),
                h("name ..", "POST", "/report/node-a/{ID}/file?name=..", A, "x", 400, "the file name '..' is not allowed"),
                h("name absolute", "POST", "/report/node-a/{ID}/file?name=/etc/passwd", A, "x", 400, "the file name must not contain '/'"),
                h("name backslash", "POST", "/report/node-a/{ID}/file?name=..%5C..%5Cx", A, "x", 400, "the file name must not contain '\\'"),
                h("name NUL", "POST", "/report/node-a/{ID}/file?name=a%00b", A, "x", 400, "NUL"),
                h("name newline", "POST", "/report/node-a/{ID}/file?name=a%0Ab", A, "x", 400, "control or invisible characters"),
                h("name bidi override", "POST", "/report/node-a/{ID}/file?name=a%E2%80%AEtxt.exe", A, "x", 400, "control or invisible characters"),
                h("name over-long", "POST", "/report/node-a/{ID}/file?name=" + "n".repeat(250), A, "x", 400, "too long"),
                h("name twice", "POST", "/report/node-a/{ID}/file?name=a.txt&name=b.txt", A, "x", 400, "given 2 times"),
                // bytes that are not UTF-8 (each would become U+FFFD: %ff and %fe would store one file)
                h("name %ff", "POST", "/report/node-a/{ID}/file?name=%ff", A, "x", 400, "is not valid UTF-8 once percent-decoded"),
                h("name %fe.txt", "POST", "/report/node-a/{ID}/file?name=%fe.txt", A, "x", 400, "is not valid UTF-8 once percent-decoded"),
                h("name overlong UTF-8", "POST", "/report/node-a/{ID}/file?name=%C0%AF", A, "x", 400, "is not valid UTF-8"),
                h("filename* %ff", "POST", "/report/node-a/{ID}/file", a("Content-Disposition: attachment; filename*=UTF-8''%ff.txt"), "x", 400,
                        "Content-Disposition filename* is not valid UTF-8"),
                // the controller's own file names
                h("name of a saved pod log", "POST", "/report/node-a/{ID}/file?name=container-job.log", A, "x", 400,
                        "is reserved: the controller saves pod logs as <node>-container-<container>.log"),
                h("filename of a saved pod log", "POST", "/report/node-a/{ID}/file",
                        a("Content-Disposition: attachment; filename=\"container-init.log\""), "x", 400, "is reserved"),
                h("name empty", "POST", "/report/node-a/{ID}/file?name=", A, "x", 400, "the file name is empty"),
                // traversal in Content-Disposition
                h("filename ../", "POST", "/report/node-a/{ID}/file", a("Content-Disposition: attachment; filename=\"../../x\""), "x", 400, "must not contain '/'"),
                h("filename absolute", "POST", "/report/node-a/{ID}/file", a("Content-Disposition: attachment; filename=\"/etc/passwd\""), "x", 400, "must not contain '/'"),
                h("filename windows", "POST", "/report/node-a/{ID}/file", a("Content-Disposition: attachment; filename=\"C:\\\\Windows\\\\x\""), "x", 400, "must not contain '\\'"),
                h("filename* ../", "POST", "/report/node-a/{ID}/file", a("Content-Disposition: attachment; filename*=UTF-8''..%2F..%2Fx"), "x", 400, "must not contain '/'"),
                h("filename* ..", "POST", "/report/node-a/{ID}/file", a("Content-Disposition: attachment; filename*=UTF-8''%2e%2e"), "x", 400, "'..' is not allowed"),
                h("filename* NUL", "POST", "/report/node-a/{ID}/file", a("Content-Disposition: attachment; filename*=UTF-8''a%00b"), "x", 400, "NUL"),
                h("filename* bad charset", "POST", "/report/node-a/{ID}/file", a("Content-Disposition: attachment; filename*=x-evil''a"), "x", 400, "unknown charset"),
                h("filename* bad encoding", "POST", "/report/node-a/{ID}/file", a("Content-Disposition: attachment; filename*=UTF-8''%G0"), "x", 400, "invalid percent-encoding"),
                // traversal in multipart names
                h("multipart ../", "POST", "/report/node-a/{ID}/file", a(mp), multipart("name=\"f\"; filename=\"../x.txt\"", "x"), 400, "must not contain '/'"),
                h("multipart ..\\", "POST", "/report/node-a/{ID}/file", a(mp), multipart("name=\"f\"; filename=\"..\\\\x.txt\"", "x"), 400, "must not contain"),
                h("multipart second bad", "POST", "/report/node-a/{ID}/file", a(mp),
                        multipart("name=\"f1\"; filename=\"ok.txt\"", "fine", "name=\"f2\"; filename=\"/etc/x\"", "bad"), 400, "must not contain '/'"),
                h("multipart same name twice", "POST", "/report/node-a/{ID}/file", a(mp),
                        multipart("name=\"f1\"; filename=\"a.txt\"", "1", "name=\"f2\"; filename=\"a.txt\"", "2"), 400, "used twice"),
                h("multipart no file", "POST", "/report/node-a/{ID}/file", a(mp), multipart("name=\"field\"", "value"), 400, "contains no file"),
                h("multipart too big", "POST", "/report/node-a/{ID}/file", a(mp), multipart("name=\"f\"; filename=\"big.txt\"", big), 413, "larger than the limit"),
                // the node and execution segments
                h("node encoded ..", "POST", "/report/%2e%2e/{ID}/result", A, "{}", 400, "invalid node name '..'"),
                h("node encoded slash", "POST", "/report/a%2Fb/{ID}/result", A, "{}", 400, "invalid node name 'a%2Fb'"),
                h("node NUL", "POST", "/report/a%00b/{ID}/result", A, "{}", 400, "invalid node name 'a\\u0000b'"),
                h("node hidden", "POST", "/report/.hidden/{ID}/result", A, "{}", 400, "invalid node name '.hidden'"),
                h("node engine file", "POST", "/report/_plan/{ID}/result", A, "{}", 400, "invalid node name '_plan'"),
                h("node over-long", "POST", "/report/" + "n".repeat(300) + "/{ID}/result", A, "{}", 400, "invalid node name"),
                h("execution not a number", "POST", "/report/node-a/abc/result", A, "{}", 406, "execution abc is not running"),
                h("execution negative", "POST", "/report/node-a/-1/result", A, "{}", 406, "execution -1 is not running"),
                // With token auth a caller whose secret does not fit learns nothing about executions or nodes.
                h("execution unknown", "POST", "/report/node-a/1/result", A, "{}", 401, "invalid credentials: each job may only use its own"),
                h("node unknown", "POST", "/report/node-z/{ID}/result", A, "{}", 401, "invalid credentials: each job may only use its own"),
                h("node pending", "POST", "/report/node-c/{ID}/result", A, "{}", 401, "invalid credentials: each job may only use its own"),
                h("unknown execution, no credentials", "POST", "/report/node-z/1/result", List.of(), "{}", 401, "missing credentials"),
                // bodies
                h("result malformed", "POST", "/report/node-a/{ID}/result", A, "{\"m\":[", 400, "the body is not valid JSON"),
                h("result wrong type", "POST", "/report/node-a/{ID}/result", A, "{\"m\":[{\"value\":\"1\"}]}", 400, "'m'[0].value: expected a number, found a string"),
                h("result array", "POST", "/report/node-a/{ID}/result", A, "[1]", 400, "must be a JSON object"),
                h("result huge number", "POST", "/report/node-a/{ID}/result", A, "{\"m\":[{\"value\":1e999}]}", 400, "too large"),
                h("result empty", "POST", "/report/node-a/{ID}/result", A, "{}", 400, "at least one metric"),
                h("result list of strings", "POST", "/report/node-a/{ID}/result", A, "{\"my-metric\":[\"x\"]}", 400, "'my-metric'[0]: expected {"),
                h("result label not a string", "POST", "/report/node-a/{ID}/result", A, "{\"m\":[{\"value\":1,\"labels\":{\"a\":2}}]}", 400, "'m'[0].labels.a: expected a string, found a number"),
                h("result too big", "POST", "/report/node-a/{ID}/result", A, "{\"m\":[" + "{\"value\":1},".repeat(400) + "{\"value\":1}]}", 413, "larger than the limit of 4096 bytes"),
                h("file too big", "POST", "/report/node-a/{ID}/file?name=big.bin", A, big, 413, "larger than the limit of 65536 bytes"),
                h("event malformed", "POST", "/report/node-a/{ID}/event", A, "{", 400, "not valid JSON"),
                h("event no reason", "POST", "/report/node-a/{ID}/event", A, "{\"message\":\"m\"}", 400, "reason is required"),
                h("event lower-case reason", "POST", "/report/node-a/{ID}/event", A, "{\"reason\":\"bad\",\"message\":\"m\"}", 400, "must start with an upper-case letter"),
                h("event no message", "POST", "/report/node-a/{ID}/event", A, "{\"reason\":\"R\"}", 400, "message is required"),
                h("event bad args", "POST", "/report/node-a/{ID}/event", A, "{\"reason\":\"R\",\"message\":\"m\",\"args\":[{}]}", 400, "args[0]: expected a string, number or boolean"),
                h("event warning not boolean", "POST", "/report/node-a/{ID}/event", A, "{\"reason\":\"R\",\"message\":\"m\",\"warning\":\"yes\"}", 400, "warning: expected true or false"),
                // methods and paths
                h("GET result", "GET", "/report/node-a/{ID}/result", A, "", 405, "method GET is not allowed here: use POST"),
                h("PUT file", "PUT", "/report/node-a/{ID}/file", A, "x", 405, "method PUT is not allowed here"),
                h("DELETE event", "DELETE", "/report/node-a/{ID}/event", A, "", 405, "method DELETE is not allowed here"),
                h("unknown endpoint", "POST", "/report/node-a/{ID}/other", A, "x", 404, "not found: callbacks go to"),
                h("no debug endpoints", "GET", "/metrics", A, "", 404, "not found"),
                h("root", "GET", "/", List.of(), "", 404, "not found"),
                // credentials
                h("no credentials", "POST", "/report/node-a/{ID}/result", List.of(), "{\"m\":[{\"value\":1}]}", 401, "missing credentials"),
                h("wrong secret", "POST", "/report/node-a/{ID}/result", List.of("Authorization: Bearer wrong"), "{\"m\":[{\"value\":1}]}", 401, "invalid credentials"),
                h("other job's secret", "POST", "/report/node-a/{ID}/result", List.of("Authorization: {AUTH_B}"), "{\"m\":[{\"value\":1}]}", 401, "invalid credentials"),
                h("empty bearer", "POST", "/report/node-a/{ID}/result", List.of("Authorization: Bearer "), "{\"m\":[{\"value\":1}]}", 401, "invalid credentials"),
                h("garbage basic", "POST", "/report/node-a/{ID}/result", List.of("Authorization: Basic !!!"), "{\"m\":[{\"value\":1}]}", 401, "invalid credentials"),
                h("unknown scheme", "POST", "/report/node-a/{ID}/file?name=x", List.of("Authorization: Digest abc"), "x", 401, "invalid credentials"));
    }

    @Test
    void theCorpusHasAtLeastFortyRequests() {
        assertThat(corpus().count()).isGreaterThanOrEqualTo(40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void isRefusedWithAClearMessageAndChangesNothing(Hostile hostile) throws Exception {
        List<String> before = f.snapshot();

        Response r = send(hostile);

        assertThat(r.status).as("status; body: %s", r.body).isEqualTo(hostile.status());
        assertThat(r.body).contains(hostile.message());
        assertThat(r.body).doesNotContain(f.secret("node-a")).doesNotContain("Exception").doesNotContain("\tat ");
        if (r.status == 401) {
            assertThat(r.headers).containsIgnoringCase("WWW-Authenticate: Basic");
            assertThat(r.body).as("an unauthenticated caller learns no execution ID").doesNotContain(f.executionId);
        }
        // Multipart temp files are removed when the exchange ends, just after the response.
        await().untilAsserted(() -> assertThat(f.snapshot()).isEqualTo(before));
    }

    record Response(int status, String headers, String body) {
    }

    private Response send(Hostile hostile) throws Exception {
        Function<String, String> fill = s -> s.replace("{ID}", f.executionId).replace("{AUTH_A}", f.basic("node-a")).replace("{AUTH_B}", f.basic("node-b"));
        try (Socket socket = new Socket("127.0.0.1", f.server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder(hostile.method()).append(' ').append(fill.apply(hostile.path())).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: ").append(hostile.body().length).append("\r\n");
            hostile.headers().forEach(hd -> head.append(fill.apply(hd)).append("\r\n"));
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            try {
                out.write(hostile.body());
                out.flush();
            } catch (java.net.SocketException e) {
                // the server may answer and close before the whole body was sent (413)
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try {
                in.transferTo(buf);
            } catch (java.net.SocketException e) {
                // connection reset after the response was written
            }
            String text = buf.toString(StandardCharsets.UTF_8);
            int status = Integer.parseInt(text.substring(9, 12));
            int split = text.indexOf("\r\n\r\n");
            return new Response(status, text.substring(0, split), text.substring(split + 4));
        }
    }

    @Test
    void theSameLegitimateRequestsSucceed() throws Exception {
        Response ok = send(h("ok", "POST", "/report/node-a/{ID}/file?name=fine.txt", A, "fine", 200, ""));
        assertThat(ok.status).isEqualTo(200);
        assertThat(Files.readString(f.reports.resolve(f.executionId).resolve("node-a-fine.txt"))).isEqualTo("fine");
    }
}

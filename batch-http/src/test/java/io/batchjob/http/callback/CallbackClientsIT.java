package io.batchjob.http.callback;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The injected {@code CALLBACK_SERVICE_*_URL}s, used exactly as given (and with {@code ?name=...}
 * appended, as Go-controller scripts do), work with every common HTTP client: each client below is
 * the real one on this machine, sending a result, uploading a file and creating an event against the
 * real callback server with token authentication on. A client that is missing fails the test with
 * {@code CI=true} ({@code .ci/run} installs them) and skips it elsewhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallbackClientsIT {

    private static final String RESULT = "{\"my_metric\":[{\"value\":1.5,\"labels\":{\"label_a\":\"AAA\"}}]}";
    private static final String EVENT = "{\"warning\":false,\"reason\":\"TestReason\",\"message\":\"m: %s\",\"args\":[\"a1\"]}";

    /** Each client's three calls, reading RESULT_URL, FILE_URL, EVENT_URL, RESULT, EVENT and CLIENT from its environment. */
    private static final Map<String, List<String>> SCRIPTS = Map.of(
            "curl", List.of("sh", "-c", """
                    set -e
                    curl -sS -f -X POST -H 'Content-Type: application/json' --data-binary "$RESULT" "$RESULT_URL"
                    curl -sS -f -X POST --data-binary "report of $CLIENT" "$FILE_URL?name=$CLIENT.txt"
                    curl -sS -f -X POST -H 'Content-Type: application/json' --data-binary "$EVENT" "$EVENT_URL"
                    """),
            "wget", List.of("sh", "-c", """
                    set -e
                    wget -q -O /dev/null --header='Content-Type: application/json' --post-data="$RESULT" "$RESULT_URL"
                    wget -q -O /dev/null --post-data="report of $CLIENT" "$FILE_URL?name=$CLIENT.txt"
                    wget -q -O /dev/null --post-data="$EVENT" "$EVENT_URL"
                    """),
            "busybox-wget", List.of("sh", "-c", """
                    set -e
                    busybox wget -q -O /dev/null --header 'Content-Type: application/json' --post-data "$RESULT" "$RESULT_URL"
                    busybox wget -q -O /dev/null --post-data "report of $CLIENT" "$FILE_URL?name=$CLIENT.txt"
                    busybox wget -q -O /dev/null --post-data "$EVENT" "$EVENT_URL"
                    """),
            "python-urllib", List.of("python3", "-c", """
                    import os, urllib.request
                    def post(url, body, headers={}):
                        with urllib.request.urlopen(urllib.request.Request(url, data=body.encode(), method="POST", headers=headers)) as r:
                            assert r.status == 200, r.status
                    post(os.environ["RESULT_URL"], os.environ["RESULT"], {"Content-Type": "application/json"})
                    post(os.environ["FILE_URL"] + "?name=" + os.environ["CLIENT"] + ".txt", "report of " + os.environ["CLIENT"])
                    post(os.environ["EVENT_URL"], os.environ["EVENT"])
                    """),
            "python-requests", List.of("python3", "-c", """
                    import os, requests
                    requests.post(os.environ["RESULT_URL"], data=os.environ["RESULT"], headers={"Content-Type": "application/json"}).raise_for_status()
                    requests.post(os.environ["FILE_URL"] + "?name=" + os.environ["CLIENT"] + ".txt", data="report of " + os.environ["CLIENT"]).raise_for_status()
                    requests.post(os.environ["EVENT_URL"], data=os.environ["EVENT"]).raise_for_status()
                    """),
            "node-fetch", List.of("node", "-e", """
                    const e = process.env;
                    const post = async (url, body) => { const r = await fetch(url, {method: 'POST', body}); if (!r.ok) throw new Error(r.status + ' ' + await r.text()); };
                    (async () => {
                      await post(e.RESULT_URL, e.RESULT);
                      await post(e.FILE_URL + '?name=' + e.CLIENT + '.txt', 'report of ' + e.CLIENT);
                      await post(e.EVENT_URL, e.EVENT);
                    })().catch(err => { console.error(err.message); process.exit(1); });
                    """),
            "node-http", List.of("node", "-e", """
                    const http = require('http'); const e = process.env;
                    const post = (url, body) => new Promise((ok, fail) => {
                      const req = http.request(url, {method: 'POST'}, res => { res.resume(); res.statusCode === 200 ? ok() : fail(new Error('' + res.statusCode)); });
                      req.on('error', fail); req.end(body);
                    });
                    (async () => {
                      await post(e.RESULT_URL, e.RESULT);
                      await post(e.FILE_URL + '?name=' + e.CLIENT + '.txt', 'report of ' + e.CLIENT);
                      await post(e.EVENT_URL, e.EVENT);
                    })().catch(err => { console.error(err.message); process.exit(1); });
                    """));

    private static final String GO_CLIENT = """
            package main

            import (
            	"fmt"
            	"net/http"
            	"os"
            	"strings"
            )

            func post(url, body string) {
            	r, err := http.Post(url, "application/octet-stream", strings.NewReader(body))
            	if err != nil {
            		fmt.Fprintln(os.Stderr, err)
            		os.Exit(1)
            	}
            	defer r.Body.Close()
            	if r.StatusCode != 200 {
            		fmt.Fprintln(os.Stderr, r.Status)
            		os.Exit(1)
            	}
            }

            func main() {
            	post(os.Getenv("RESULT_URL"), os.Getenv("RESULT"))
            	post(os.Getenv("FILE_URL")+"?name="+os.Getenv("CLIENT")+".txt", "report of "+os.Getenv("CLIENT"))
            	post(os.Getenv("EVENT_URL"), os.Getenv("EVENT"))
            }
            """;

    @TempDir
    Path base;

    private Path goClient;
    private CallbackFixture f;

    @BeforeAll
    void buildTheGoClient(@TempDir Path dir) throws Exception {
        if (!onPath("go")) {
            return;
        }
        Files.writeString(dir.resolve("go.mod"), "module callbackclient\n\ngo 1.21\n");
        Files.writeString(dir.resolve("main.go"), GO_CLIENT);
        Process p = new ProcessBuilder("go", "build", "-o", "callbackclient", ".").directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("go build: " + out).isZero();
        goClient = dir.resolve("callbackclient");
    }

    @BeforeEach
    void start() {
        f = CallbackFixture.standard(base);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private static boolean onPath(String tool) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static void requireTool(String tool, String client) {
        if (!onPath(tool)) {
            io.batchjob.testkit.Tools.missing("'" + tool + "' on the PATH (for " + client + ")", "install it (.ci/run does)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"curl", "wget", "busybox-wget", "python-urllib", "python-requests", "node-fetch", "node-http",
            "java-httpclient", "java-httpurlconnection", "go-net-http"})
    void theInjectedUrlsWorkAsGivenWithTheClient(String client) throws Exception {
        Map<String, String> env = Map.of("RESULT_URL", f.injectedUrl("node-a", "result"), "FILE_URL", f.injectedUrl("node-a", "file"),
                "EVENT_URL", f.injectedUrl("node-a", "event"), "RESULT", RESULT, "EVENT", EVENT, "CLIENT", client);
        assertThat(env.get("RESULT_URL")).as("the secret travels in the path, not as user info")
                .contains("/job/" + f.secret("node-a") + "/report/node-a/").doesNotContain("@");
        switch (client) {
            case "java-httpclient" -> javaHttpClient(env);
            case "java-httpurlconnection" -> javaHttpUrlConnection(env);
            case "go-net-http" -> {
                requireTool("go", client);
                run(client, List.of(goClient.toString()), env);
            }
            default -> {
                List<String> command = SCRIPTS.get(client);
                requireTool(client.equals("busybox-wget") ? "busybox" : client.startsWith("python") ? "python3"
                        : client.startsWith("node") ? "node" : client, client);
                if (client.equals("python-requests")) {
                    requirePythonModule("requests", client);
                }
                run(client, command, env);
            }
        }

        Path dir = f.reports.resolve(f.executionId);
        assertThat(dir.resolve("node-a.json")).hasContent(RESULT);
        assertThat(dir.resolve("node-a-" + client + ".txt")).hasContent("report of " + client);
        assertThat(f.events).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo("TestReason");
            assertThat(e.message()).isEqualTo("m: a1");
            assertThat(e.node()).isEqualTo("node-a");
        });
    }

    private static void requirePythonModule(String module, String client) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", "import " + module).redirectErrorStream(true).start();
        if (p.waitFor() != 0) {
            io.batchjob.testkit.Tools.missing("the Python module '" + module + "' (for " + client + ")",
                    "python3 -m pip install " + module + " (.ci/run does)");
        }
    }

    private static void run(String client, List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(client + " finished").isTrue();
        assertThat(p.exitValue()).as(client + " exit code; output:\n" + out).isZero();
    }

    private static void javaHttpClient(Map<String, String> env) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        for (String[] call : calls(env)) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(call[0]))
                    .POST(HttpRequest.BodyPublishers.ofString(call[1])).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    private static void javaHttpUrlConnection(Map<String, String> env) throws IOException {
        for (String[] call : calls(env)) {
            HttpURLConnection c = (HttpURLConnection) URI.create(call[0]).toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            try (OutputStream out = c.getOutputStream()) {
                out.write(call[1].getBytes(StandardCharsets.UTF_8));
            }
            assertThat(c.getResponseCode()).isEqualTo(200);
            c.getInputStream().readAllBytes();
        }
    }

    private static List<String[]> calls(Map<String, String> env) {
        return List.of(new String[]{env.get("RESULT_URL"), env.get("RESULT")},
                new String[]{env.get("FILE_URL") + "?name=" + env.get("CLIENT") + ".txt", "report of " + env.get("CLIENT")},
                new String[]{env.get("EVENT_URL"), env.get("EVENT")});
    }
}

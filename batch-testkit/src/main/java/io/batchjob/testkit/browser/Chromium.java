package io.batchjob.testkit.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.batchjob.testkit.Tools;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Headless Chromium driven over the DevTools protocol (a WebSocket, with the JDK's own client):
 * open a page, run JavaScript in it (to read the DOM or click), resize the window, turn
 * JavaScript off, take screenshots. Just enough for the dashboard's browser tests.
 */
public final class Chromium implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private Chromium(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Skips the calling test when Chromium is missing here; in CI (where .ci/run installs it) that is a failure. */
    public static void requireInstalled() {
        if (!Files.isExecutable(BINARY)) {
            io.batchjob.testkit.Tools.missing("chromium (" + BINARY + ")", "apt-get install -y chromium (.ci/run does)");
        }
    }

    public static Chromium start(Path profile) throws Exception {
        Files.createDirectories(profile);
        Process p = new ProcessBuilder(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--hide-scrollbars", "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path portFile = profile.resolve("DevToolsActivePort");
        try {
            // Chromium writes the file once it listens; there is nothing else to wait on.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !p.isAlive() || Files.isRegularFile(portFile) && !Files.readAllLines(portFile).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not open its DevTools port", e);
        }
        if (!p.isAlive()) {
            throw new IllegalStateException("chromium exited with " + p.exitValue());
        }
        return new Chromium(p, Integer.parseInt(Files.readAllLines(portFile).get(0).trim()));
    }

    /** A new tab. */
    public Page newPage() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/new?about:blank"))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        String ws = JSON.readTree(r.body()).get("webSocketDebuggerUrl").asText();
        Page page = new Page();
        page.socket = http.newWebSocketBuilder().buildAsync(URI.create(ws), page).get(10, TimeUnit.SECONDS);
        return page;
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** One tab: commands and their answers, matched by id. */
    public static final class Page implements WebSocket.Listener {
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode msg = JSON.readTree(partial.toString());
                    if (msg.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
                        if (f != null) {
                            if (msg.has("error")) {
                                f.completeExceptionally(new IllegalStateException(msg.get("error").toString()));
                            } else {
                                f.complete(msg.get("result"));
                            }
                        }
                    }
                } catch (IOException e) {
                    // not ours to handle: an event we do not read
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        public JsonNode send(String method, Map<String, Object> params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            pending.put(id, answer);
            ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
            msg.set("params", JSON.valueToTree(params));
            socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
            return answer.get(30, TimeUnit.SECONDS);
        }

        /** Opens a URL and waits until the page (and its deferred script) has loaded. */
        public void open(String url) throws Exception {
            send("Page.navigate", Map.of("url", url));
            await(() -> "complete".equals(eval("document.readyState").asText()) && eval("location.href").asText().startsWith(url));
        }

        /** The value of a JavaScript expression (awaited if it is a promise). */
        public JsonNode eval(String expression) throws Exception {
            JsonNode r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
            if (r.has("exceptionDetails")) {
                throw new IllegalStateException("script failed: " + r.get("exceptionDetails"));
            }
            return r.path("result").path("value");
        }

        /** Clicks the first element matching a CSS selector and waits for the page it opens. */
        public void click(String selector) throws Exception {
            String before = eval("location.href").asText();
            eval("document.querySelector(" + JSON.writeValueAsString(selector) + ").click()");
            await(() -> !eval("location.href").asText().equals(before) && "complete".equals(eval("document.readyState").asText()));
        }

        public void viewport(int width, int height, boolean mobile) throws Exception {
            send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
        }

        public void javascript(boolean enabled) throws Exception {
            send("Emulation.setScriptExecutionDisabled", Map.of("value", !enabled));
        }

        public void screenshot(Path file) throws Exception {
            JsonNode r = send("Page.captureScreenshot", Map.of("format", "png"));
            Files.createDirectories(file.getParent());
            Files.write(file, Base64.getDecoder().decode(r.get("data").asText()));
        }

        /** Waits up to 20 s for a condition of the page. */
        public void await(Check check) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(check::holds);
        }
    }

    /** A condition that may ask the page. */
    public interface Check {
        boolean holds() throws Exception;
    }
}

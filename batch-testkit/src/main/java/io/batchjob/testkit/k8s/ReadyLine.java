package io.batchjob.testkit.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one JSON line a test tool prints on standard output once it is ready ({@code {"ready":true,...}}),
 * as the test API server and the test node do. A tool that exits or stays silent is killed.
 */
final class ReadyLine {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReadyLine() {
    }

    /**
     * @param what    the tool, for messages
     * @param log     where its standard error goes, named in messages
     * @throws IllegalStateException when it exits first or is not ready in time (it is then killed)
     */
    static JsonNode await(Process process, String what, Path log, Duration timeout) {
        CompletableFuture<JsonNode> line = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                for (String l; (l = out.readLine()) != null; ) {
                    if (l.startsWith("{\"")) {
                        return JSON.readTree(l);
                    }
                }
                throw new IllegalStateException(what + " exited before it was ready; see " + log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return line.get(timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while starting " + what);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException(what + " was not ready within " + timeout + "; see " + log, e);
        }
    }
}

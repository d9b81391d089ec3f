package io.batchjob.http;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A body that keeps trickling (never idle) is still cut off once it has taken the total time. */
class BodyTimeLimitTest {

    @Test
    void aTricklingBodyEndsWith408AfterTheTotalTimeEvenThoughItIsNeverIdle() throws Exception {
        io.undertow.server.HttpHandler read = exchange -> {
            try (InputStream in = exchange.getInputStream()) {
                in.readAllBytes();
                PlainText.send(exchange, 200, "read");
            } catch (IdleTimeoutBlocking.BodyIdleTimeoutException e) {
                exchange.setPersistent(false);
                PlainText.send(exchange, 408, e.getMessage());
            }
        };
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (UndertowServer server = UndertowServer.start("callback", "127.0.0.1", 0,
                IdleTimeoutBlocking.handler(Duration.ofSeconds(1), Duration.ofSeconds(3), read), UndertowServer.Limits.threads(2));
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // A byte every 0.25 s: never idle for the 1 s idle timeout, and 1000 bytes would take 250 s.
            trickle.scheduleAtFixedRate(() -> {
                try {
                    out.write('x');
                    out.flush();
                } catch (java.io.IOException closed) {
                    throw new IllegalStateException(closed); // the server ended the request: stop trickling
                }
            }, 250, 250, TimeUnit.MILLISECONDS);

            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until the server closes

            assertThat(answer).startsWith("HTTP/1.1 408").contains("the request body took longer than 3 s in total");
        } finally {
            trickle.shutdownNow();
        }
    }
}

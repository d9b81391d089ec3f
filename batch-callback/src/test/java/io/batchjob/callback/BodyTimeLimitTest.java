package io.batchjob.callback;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

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
        try (UndertowServer server = UndertowServer.start("callback", "127.0.0.1", 0,
                IdleTimeoutBlocking.handler(Duration.ofSeconds(1), Duration.ofSeconds(3), read), UndertowServer.Limits.threads(2));
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = "";
            for (int i = 0; i < 40 && answer.isEmpty(); i++) { // a byte every 0.25 s: never idle for 1 s
                try {
                    out.write('x');
                    out.flush();
                } catch (java.io.IOException closed) {
                    break;
                }
                Thread.sleep(250); // the trickle's pace, not a wait for a condition
                if (s.getInputStream().available() > 0) {
                    answer = new String(s.getInputStream().readNBytes(s.getInputStream().available()), StandardCharsets.UTF_8);
                }
            }
            if (answer.isEmpty()) {
                answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }

            assertThat(answer).startsWith("HTTP/1.1 408").contains("the request body took longer than 3 s in total");
        }
    }
}

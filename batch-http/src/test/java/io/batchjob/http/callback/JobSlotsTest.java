package io.batchjob.http.callback;

import io.batchjob.http.HttpProblem;
import io.batchjob.http.PlainText;
import io.batchjob.http.UndertowServer;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job that never has two callbacks open is never refused: its slot is free as soon as the answer
 * is on its way, however long the answering thread takes to get past the write (a loaded machine
 * deschedules it there; a sequential {@code curl -f} job then saw 429).
 */
class JobSlotsTest {

    @Test
    void aSequentialCallerIsNeverRefusedEvenWhileTheThreadsThatAnsweredAreStillBusy() throws Exception {
        JobSlots slots = new JobSlots();
        CountDownLatch release = new CountDownLatch(1);
        // As CallbackApi's endpoints: the job's slot held around the endpoint, which answers, then (here) stays busy after the write.
        HttpHandler endpoint = slots.limit(exchange -> {
            PlainText.send(exchange, 200, "stored");
            exchange.getOutputStream().flush();
            release.await(20, TimeUnit.SECONDS); // descheduled between the write and the end of the request
        });
        BlockingHandler handler = new BlockingHandler(exchange -> {
            new CallbackJob("node-a", "1", Optional.empty()).attachTo(exchange);
            try {
                endpoint.handleRequest(exchange);
            } catch (HttpProblem p) {
                PlainText.send(exchange, p.status(), p.getMessage());
            }
        });
        try (UndertowServer server = UndertowServer.start("callback", "127.0.0.1", 0, handler, UndertowServer.Limits.threads(8))) {
            HttpClient client = HttpClient.newHttpClient();
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 5; i++) { // one after another, each once the previous answer has arrived
                statuses.add(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                        .POST(HttpRequest.BodyPublishers.ofString("r" + i)).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            release.countDown();

            assertThat(statuses).as("5 sequential calls while the 5 threads that answered them are still busy").containsOnly(200);
        }
        assertThat(slots.jobsInProgress()).isZero();
    }

    @Test
    void aSlotIsFreedOnceHoweverOftenItIsClosed() {
        JobSlots slots = new JobSlots();
        JobSlots.Slot first = slots.acquire("1", "node-a");
        JobSlots.Slot second = slots.acquire("1", "node-a");
        first.close();
        first.close(); // released before the response, then again by try-with-resources
        JobSlots.Slot third = slots.acquire("1", "node-a");
        assertThat(slots.jobsInProgress()).isEqualTo(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> slots.acquire("1", "node-a")).isInstanceOf(HttpProblem.class)
                .hasMessageContaining("already has 2 callbacks in progress");
        second.close();
        third.close();
        assertThat(slots.jobsInProgress()).isZero();
    }
}

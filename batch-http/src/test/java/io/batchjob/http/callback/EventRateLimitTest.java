package io.batchjob.http.callback;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class EventRateLimitTest {

    private final AtomicLong now = new AtomicLong();
    private final EventRateLimit limit = new EventRateLimit(now::get);

    @Test
    void aJobMayBurstThenGetsTwoASecondAndOtherJobsAreNotAffected() {
        for (int i = 0; i < EventRateLimit.BURST; i++) {
            assertThat(limit.acquire("1", "a")).as("event %d", i).isZero();
        }
        assertThat(limit.acquire("1", "a")).isEqualTo(1);
        assertThat(limit.acquire("1", "b")).as("another job").isZero();
        now.addAndGet(500_000_000L);
        assertThat(limit.acquire("1", "a")).as("one refilled after 0.5 s").isZero();
        assertThat(limit.acquire("1", "a")).isEqualTo(1);
        now.addAndGet(60_000_000_000L);
        for (int i = 0; i < EventRateLimit.BURST; i++) {
            assertThat(limit.acquire("1", "a")).isZero();
        }
        assertThat(limit.acquire("1", "a")).as("never more than the burst").isEqualTo(1);
    }

    @Test
    void aNewExecutionStartsWithFullAllowances() {
        for (int i = 0; i < EventRateLimit.BURST; i++) {
            limit.acquire("1", "a");
        }
        assertThat(limit.acquire("2", "a")).isZero();
    }

    @Test
    void overHttpTheEventBeyondTheAllowanceIsA429WithRetryAfterAndCreatesNothing(@TempDir Path dir) throws Exception {
        try (CallbackFixture f = CallbackFixture.standard(dir)) {
            byte[] event = "{\"reason\":\"Spam\",\"message\":\"again\"}".getBytes(StandardCharsets.UTF_8);
            // The bucket refills while we post, so count: the burst at least, then a refusal (bounded loop).
            int accepted = 0;
            HttpResponse<String> refused = null;
            for (int i = 0; i < 200 && refused == null; i++) {
                HttpResponse<String> r = f.post(f.injectedUrl("node-a", "event"), null, null, event);
                if (r.statusCode() == 200) {
                    accepted++;
                } else {
                    refused = r;
                }
            }
            assertThat(accepted).isGreaterThanOrEqualTo(EventRateLimit.BURST);
            assertThat(refused).isNotNull();
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).contains("1");
            assertThat(refused.body()).startsWith("too many events from this job");
            assertThat(f.post(f.injectedUrl("node-b", "event"), null, null, event).statusCode()).isEqualTo(200);
            assertThat(f.events).filteredOn(e -> e.node().equals("node-a")).hasSize(accepted);
        }
    }
}

package io.batchjob.core;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A full queue drops an offer instead of blocking; finished tasks, failed ones too, are counted. */
class LatestWinsWorkerTest {

    @Test
    void aFullQueueDropsTheOfferAndEveryFinishedTaskIsCounted() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        try (LatestWinsWorker worker = new LatestWinsWorker("test-worker", 1)) {
            assertThat(worker.offer(() -> {
                running.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            })).isTrue();
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(worker.offer(() -> {
                ran.incrementAndGet();
                throw new IllegalStateException("a failing look");
            })).as("waits in the queue").isTrue();
            assertThat(worker.offer(ran::incrementAndGet)).as("the queue is full: dropped").isFalse();

            release.countDown();
            await().atMost(10, TimeUnit.SECONDS).until(() -> worker.completed() == 2);
            assertThat(ran).hasValue(1);
        }
    }

    @Test
    void aClosedWorkerTakesNothing() {
        LatestWinsWorker worker = new LatestWinsWorker("test-worker", 1);
        worker.close();
        assertThat(worker.offer(() -> { })).isFalse();
    }
}

package io.batchjob.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class ShutdownTest {

    @Test
    void letsRunningTasksFinishWithinTheGrace() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        AtomicBoolean done = new AtomicBoolean();
        pool.execute(() -> done.set(true));

        Shutdown.gracefully(pool, Duration.ofSeconds(5));

        assertThat(pool.isTerminated()).isTrue();
        assertThat(done).isTrue();
    }

    @Test
    void interruptsTasksThatOutlastTheGrace() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        pool.execute(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        started.await();

        Shutdown.gracefully(pool, Duration.ofMillis(50));

        org.awaitility.Awaitility.await().until(interrupted::get);
        assertThat(pool.isShutdown()).isTrue();
    }
}

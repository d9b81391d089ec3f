package io.batchjob.core.execution;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.testing.EngineHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The progress lines of an execution: at most one per tenth, with the true share. */
class ProgressLogTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(ExecutionRun.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level before;

    @TempDir
    Path reports;

    @BeforeEach
    void capture() {
        appender.start();
        logger.addAppender(appender);
        before = logger.getLevel();
        logger.setLevel(Level.INFO);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
        logger.setLevel(before);
    }

    /** Runs one execution on {@code n} nodes that all succeed; returns its progress lines. */
    private List<String> progressOf(int n, String[] id) throws Exception {
        try (EngineHarness h = EngineHarness.builder(reports).nodes(EngineHarness.nodeNames(n)).poolSize(n).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            id[0] = s.executionId();
            await().until(() -> h.backend.running() == n);
            for (String node : EngineHarness.nodeNames(n)) {
                h.backend.end(s.executionId(), node, JobEnd.succeeded());
            }
            s.completion().get(10, TimeUnit.SECONDS);
        }
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("% done")).toList();
    }

    @Test
    void logsEachTenPercentStepWithDoneTotalAndTheExecution() throws Exception {
        String[] id = new String[1];
        List<String> lines = progressOf(20, id);
        assertThat(lines).containsExactlyElementsOf(IntStream.rangeClosed(1, 10)
                .mapToObj(i -> "execution " + id[0] + ": " + i * 10 + "% done (" + i * 2 + "/20 jobs)").toList());
    }

    @Test
    void saysTheTrueShareNotTheTenthItCrossed() throws Exception {
        String[] id = new String[1];
        assertThat(progressOf(3, id)).containsExactly("execution " + id[0] + ": 33% done (1/3 jobs)",
                "execution " + id[0] + ": 66% done (2/3 jobs)", "execution " + id[0] + ": 100% done (3/3 jobs)");
    }
}

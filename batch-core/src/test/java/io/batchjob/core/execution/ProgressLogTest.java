package io.batchjob.core.execution;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.testing.EngineHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ProgressLogTest {

    @Test
    void logsEachTenPercentStepWithDoneTotalAndTheExecution(@TempDir Path reports) throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(ExecutionRun.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        ch.qos.logback.classic.Level before = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try (EngineHarness h = EngineHarness.builder(reports).nodes(EngineHarness.nodeNames(20)).poolSize(20).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            await().until(() -> h.backend.running() == 20);
            for (String node : EngineHarness.nodeNames(20)) {
                h.backend.end(s.executionId(), node, JobEnd.succeeded());
            }
            s.completion().get(10, TimeUnit.SECONDS);

            assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).filteredOn(m -> m.contains("% done"))
                    .containsExactly(
                            "execution " + s.executionId() + ": 10% done (2/20 jobs)", "execution " + s.executionId() + ": 20% done (4/20 jobs)",
                            "execution " + s.executionId() + ": 30% done (6/20 jobs)", "execution " + s.executionId() + ": 40% done (8/20 jobs)",
                            "execution " + s.executionId() + ": 50% done (10/20 jobs)", "execution " + s.executionId() + ": 60% done (12/20 jobs)",
                            "execution " + s.executionId() + ": 70% done (14/20 jobs)", "execution " + s.executionId() + ": 80% done (16/20 jobs)",
                            "execution " + s.executionId() + ": 90% done (18/20 jobs)", "execution " + s.executionId() + ": 100% done (20/20 jobs)");
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(before);
        }
    }

    @Test
    void saysTheTrueShareNotTheTenthItCrossed(@TempDir Path reports) throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(ExecutionRun.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        ch.qos.logback.classic.Level before = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try (EngineHarness h = EngineHarness.builder(reports).nodes(EngineHarness.nodeNames(3)).poolSize(3).build()) {
            h.engine.activate();
            TriggerOutcome.Started s = (TriggerOutcome.Started) h.engine.trigger("test");
            await().until(() -> h.backend.running() == 3);
            for (String node : EngineHarness.nodeNames(3)) {
                h.backend.end(s.executionId(), node, JobEnd.succeeded());
            }
            s.completion().get(10, TimeUnit.SECONDS);
            assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).filteredOn(m -> m.contains("% done")).containsExactly(
                    "execution " + s.executionId() + ": 33% done (1/3 jobs)", "execution " + s.executionId() + ": 66% done (2/3 jobs)",
                    "execution " + s.executionId() + ": 100% done (3/3 jobs)");
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(before);
        }
    }
}

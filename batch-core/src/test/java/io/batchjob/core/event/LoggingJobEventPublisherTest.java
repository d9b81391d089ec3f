package io.batchjob.core.event;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.batchjob.core.spi.JobEvent;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class LoggingJobEventPublisherTest {

    @Test
    void logsEachEventWithItsJobInTheMdc() {
        Logger logger = (Logger) LoggerFactory.getLogger("io.batchjob.events");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        ch.qos.logback.classic.Level before = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            new LoggingJobEventPublisher().publish(new JobEvent("1", "node-a", true, "DiskFull", "disk 99% full", "Checked"));
            new LoggingJobEventPublisher().publish(new JobEvent("1", "node-b", false, "Done", "ok", "Reported"));
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(before);
        }
        assertThat(appender.list).extracting(e -> e.getLevel().toString(), ILoggingEvent::getFormattedMessage)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("WARN", "DiskFull (Checked): disk 99% full"),
                        org.assertj.core.groups.Tuple.tuple("INFO", "Done (Reported): ok"));
        assertThat(appender.list.get(0).getMDCPropertyMap()).containsEntry("executionID", "1").containsEntry("node", "node-a");
    }
}

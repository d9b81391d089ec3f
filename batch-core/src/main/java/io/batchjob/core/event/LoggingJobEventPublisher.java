package io.batchjob.core.event;

import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobEventPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A {@link JobEventPublisher} for embedders without Kubernetes: every event a job asks for becomes
 * one log line (WARN for warnings, INFO otherwise) with {@code executionID} and {@code node} in the
 * MDC. The Kubernetes backend creates real Events instead.
 */
public final class LoggingJobEventPublisher implements JobEventPublisher {

    private static final Logger LOG = LoggerFactory.getLogger("io.batchjob.events");

    @Override
    public void publish(JobEvent event) {
        try (MDC.MDCCloseable a = MDC.putCloseable("executionID", event.executionId());
             MDC.MDCCloseable b = MDC.putCloseable("node", event.node())) {
            if (event.warning()) {
                LOG.warn("{} ({}): {}", event.reason(), event.action(), event.message());
            } else {
                LOG.info("{} ({}): {}", event.reason(), event.action(), event.message());
            }
        }
    }
}

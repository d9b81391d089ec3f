package io.batchjob.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JsonLineEncoderTest {

    @Test
    void writesOneJsonObjectPerLineWithIsoTimeAndMdc() throws Exception {
        LoggerContext ctx = new LoggerContext();
        LoggingEvent event = new LoggingEvent("x", ctx.getLogger("io.batchjob.Test"), Level.WARN, "node {} said \"hi\"\nbye",
                new IllegalStateException("boom"), new Object[]{"a"});
        event.setTimeStamp(Instant.parse("2026-11-27T08:00:00Z").toEpochMilli());
        event.setMDCPropertyMap(Map.of("executionID", "20261127080000", "node", "worker-1"));

        String line = new String(new JsonLineEncoder().encode(event), StandardCharsets.UTF_8);

        assertThat(line).endsWith("\n").hasLineCount(1);
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("time").asText()).isEqualTo("2026-11-27T08:00:00Z");
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("logger").asText()).isEqualTo("io.batchjob.Test");
        assertThat(json.get("message").asText()).isEqualTo("node a said \"hi\"\nbye");
        assertThat(json.get("executionID").asText()).isEqualTo("20261127080000");
        assertThat(json.get("node").asText()).isEqualTo("worker-1");
        assertThat(json.get("error").asText()).contains("IllegalStateException: boom");
    }
}

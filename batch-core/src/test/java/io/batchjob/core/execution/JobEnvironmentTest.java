package io.batchjob.core.execution;

import io.batchjob.core.config.CallbackAuth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobEnvironmentTest {

    @ParameterizedTest
    @CsvSource({
            "10.0.0.1, http://10.0.0.1:8090/report/n/1/result",
            "fd00::1, http://[fd00::1]:8090/report/n/1/result",
            "[fd00::1], http://[fd00::1]:8090/report/n/1/result",
            "callback.jobs.svc, http://callback.jobs.svc:8090/report/n/1/result"})
    void bracketsIpv6Hosts(String host, String url) {
        Map<String, String> env = new JobEnvironment("ns", new CallbackEndpoint(host, 8090), CallbackAuth.NONE, List.of()).build("1", "n", "s");

        assertThat(env.get("CALLBACK_SERVICE_RESULT_URL")).isEqualTo(url);
        assertThat(env).doesNotContainKey("CALLBACK_TOKEN");
    }

    @Test
    void withoutAuthenticationTheUrlsAreThoseOfTheGoController() {
        Map<String, String> env = new JobEnvironment("ns", new CallbackEndpoint("10.1.2.3", 8090), CallbackAuth.NONE, List.of())
                .build("20261127080000", "worker-1", "secret");

        assertThat(env).containsEntry("CALLBACK_SERVICE_FILE_URL", "http://10.1.2.3:8090/report/worker-1/20261127080000/file")
                .containsEntry("CALLBACK_SERVICE_EVENT_URL", "http://10.1.2.3:8090/report/worker-1/20261127080000/event");
        assertThat(env.values()).noneMatch(v -> v.contains("secret"));
    }

    @Test
    void contributorsCannotOverrideReservedNamesOrSetInvalidOnes() {
        Map<String, String> extra = new HashMap<>();
        extra.put("LOG_LEVEL", "debug");
        extra.put("CALLBACK_SERVICE_RESULT_URL", "http://evil");
        extra.put("EXECUTION_ID", "0");
        extra.put("1BAD", "x");
        extra.put("has space", "x");
        extra.put("NULL_VALUE", null);
        Map<String, String> env = new JobEnvironment("ns", new CallbackEndpoint("h", 1), CallbackAuth.TOKEN, List.of((e, n) -> extra))
                .build("7", "n", "sec");

        assertThat(env).containsEntry("LOG_LEVEL", "debug")
                .containsEntry("EXECUTION_ID", "7")
                .containsEntry("CALLBACK_SERVICE_RESULT_URL", "http://h:1/job/sec/report/n/7/result")
                .doesNotContainKeys("1BAD", "has space", "NULL_VALUE");
    }

    @Test
    void nodeNamesAreEscapedInUrls() {
        assertThat(new CallbackEndpoint("h", 1).url(null, "a b/c", "1", "file")).isEqualTo("http://h:1/report/a%20b%2Fc/1/file");
    }

    @Test
    void rejectsUnusableEndpoints() {
        assertThatThrownBy(() -> new CallbackEndpoint("", 8090)).hasMessageContaining("host must not be empty");
        assertThatThrownBy(() -> new CallbackEndpoint("h", 0)).hasMessageContaining("from 1 to 65535");
    }
}

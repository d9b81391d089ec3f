package io.batchjob.k8s;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Saved pod logs never keep a job's secret: raw, in a URL, or inside Basic credentials with any user name. */
class PodLogRedactionTest {

    private static final String SECRET = "Zq3vT9xW2mK8pL5nR7sY1uA4bC6dE0fGhJ2kM4nP6qS"; // the shape of a job secret
    private static final String OTHER = "aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3aB4c";

    private static String basic(String userAndPassword) {
        return Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theSecretIsRedactedRawAndInBasicCredentialsWhateverTheUser() {
        String log = String.join("\n",
                "CALLBACK_TOKEN=" + SECRET,
                "POST http://10.0.0.1:8090/job/" + SECRET + "/report/node-1/42/result",
                "> Authorization: Basic " + basic("job:" + SECRET),
                "> Authorization: Basic " + basic("node-1:" + SECRET),
                "> Authorization: Basic " + basic("anyone at all:" + SECRET),
                "other job's " + OTHER,
                "");

        String out = PodLogSaver.redact(log, List.of(SECRET, OTHER));

        assertThat(out).isEqualTo(String.join("\n",
                "CALLBACK_TOKEN=[redacted]",
                "POST http://10.0.0.1:8090/job/[redacted]/report/node-1/42/result",
                "> Authorization: Basic [redacted]",
                "> Authorization: Basic [redacted]",
                "> Authorization: Basic [redacted]",
                "other job's [redacted]",
                ""));
    }

    @Test
    void everythingElseStaysAsItWas() {
        String unrelatedBasic = basic("admin:hunter2-hunter2-hunter2");
        String log = "Authorization: Basic " + unrelatedBasic + "\nsha256 " + "0123456789abcdef".repeat(4) + "\nshort " + "abcdefg"
                + "\nnot base64 !!!! ABCDEFGHIJKLMNOPQRSTUVWXYZ\n";

        assertThat(PodLogSaver.redact(log, List.of(SECRET, "abcdefg"))).isEqualTo(log);
        assertThat(PodLogSaver.redact(log, List.of())).isEqualTo(log);
    }
}

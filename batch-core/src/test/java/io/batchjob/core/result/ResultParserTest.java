package io.batchjob.core.result;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResultParserTest {

    private static JobResult parse(String json) {
        return ResultParser.parse(json.getBytes(StandardCharsets.UTF_8), "batch_job");
    }

    @Test
    void readsTheGoControllersResultBody() {
        JobResult r = parse("{\"my_metric\":[{\"value\":1.0,\"labels\":{\"label_a\":\"AAA\",\"label_b\":\"BBB\"}},{\"value\":-2}],\"other\":[]}");

        assertThat(r.metrics()).containsOnlyKeys("my_metric", "other");
        assertThat(r.metrics().get("my_metric")).containsExactly(
                new MetricValue(1.0, Map.of("label_a", "AAA", "label_b", "BBB")),
                new MetricValue(-2.0, Map.of()));
        assertThat(r.valueCount()).isEqualTo(2);
    }

    @Test
    void keepsLabelsThatAreNotValidPrometheusNamesLikeTheGoController() {
        assertThat(parse("{\"m\":[{\"value\":1,\"labels\":{\"not-a-label\":\"x\"}}]}").metrics().get("m").get(0).labels())
                .containsEntry("not-a-label", "x");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "`` => the body is empty",
            "`   ` => the body is empty",
            "nope => the body is not valid JSON at line 1, column 1",
            "{\"m\":[{\"value\":1}] => the body is not valid JSON",
            "[1,2] => the body must be a JSON object of metric name to a list of values, found a list",
            "\"text\" => found a string",
            "{} => the result must contain at least one metric",
            "{\"m\":{\"value\":1}} => 'm': expected a list of {\"value\": <number>, \"labels\": {...}}, found an object",
            "{\"m\":[1]} => 'm'[0]: expected {\"value\": <number>, \"labels\": {...}}, found a number",
            "{\"m\":[{\"value\":\"1\"}]} => 'm'[0].value: expected a number, found a string",
            "{\"m\":[{\"value\":true}]} => 'm'[0].value: expected a number, found a boolean",
            "{\"m\":[{\"value\":1e999}]} => 'm'[0].value: 1E+999 is too large for a metric value",
            "{\"m\":[{\"value\":1,\"labels\":[]}]} => 'm'[0].labels: expected an object of label name to string, found a list",
            "{\"m\":[{\"value\":1,\"labels\":{\"a\":1}}]} => 'm'[0].labels.a: expected a string, found a number",
            "{\"m\":[{\"value\":NaN}]} => the body is not valid JSON"})
    void rejectsBadBodiesWithAPreciseMessage(String body, String expected) {
        assertThatThrownBy(() -> parse(body)).isInstanceOf(InvalidResultException.class).hasMessageContaining(expected);
    }

    @Test
    void rejectsDeepNestingAndHugeNumbersWithoutTrouble() {
        String deep = "{\"m\":[{\"value\":1,\"labels\":{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}}]}";
        assertThatThrownBy(() -> parse(deep)).isInstanceOf(InvalidResultException.class).hasMessageContaining("not valid JSON");
        String longNumber = "{\"m\":[{\"value\":" + "9".repeat(5000) + "}]}";
        assertThatThrownBy(() -> parse(longNumber)).isInstanceOf(InvalidResultException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void echoesNoControlCharactersInMessages() {
        assertThatThrownBy(() -> parse("{\"bad\\u001bname\":{}}")).hasMessageStartingWith("'bad\\u001bname': expected a list");
    }

    /** What the Go controller's json.Decoder accepted without a word: accepted here too, each with a warning. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "{\"bad-name\":[{\"value\":1}]} => bad-name | 1.0 | {} | ",
            "{\"\":[{\"value\":1}]} =>  | 1.0 | {} | ",
            "{\"ü metric ✓\":[{\"value\":2}]} => ü metric ✓ | 2.0 | {} | ",
            "{\"m\":[{\"labels\":{\"a\":\"b\"}}]} => m | 0.0 | {a=b} | 'm'[0].value is missing: 0 is used",
            "{\"m\":[{\"value\":null}]} => m | 0.0 | {} | 'm'[0].value is null: 0 is used",
            "{\"m\":[null]} => m | 0.0 | {} | 'm'[0] is null: value 0 without labels",
            "{\"m\":[{\"value\":1,\"labels\":{\"a\":null}}]} => m | 1.0 | {a=} | 'm'[0].labels.a is null",
            "{\"m\":[{\"value\":1}],\"m\":[{\"value\":2}]} => m | 2.0 | {} | duplicate key 'm': the last value is used",
            "{\"m\":[{\"Value\":3,\"LABELS\":{\"a\":\"b\"}}]} => m | 3.0 | {a=b} | 'm'[0]: field 'Value' is read as 'value'",
            "{\"m\":[{\"value\":4}]} trailing text => m | 4.0 | {} | the text after the JSON value is ignored",
            "{\"m\":[{\"value\":5}]}{\"x\":1} => m | 5.0 | {} | the text after the JSON value is ignored",
            "{\"m\":[{\"value\":6,\"unit\":\"s\"}]} => m | 6.0 | {} | "})
    void acceptsWhatTheGoControllerAcceptedWithAWarning(String body, String expected) {
        String[] want = expected.split("\\|", -1);
        List<String> warnings = new java.util.ArrayList<>();
        JobResult r = ResultParser.parse(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), "prefix", warnings);
        String key = want[0].strip();
        assertThat(r.metrics()).containsKey(key);
        MetricValue v = r.metrics().get(key).get(0);
        assertThat(v.value()).isEqualTo(Double.parseDouble(want[1].strip()));
        assertThat(v.labels()).hasToString(want[2].strip());
        if (want[3].isBlank()) {
            assertThat(warnings).isEmpty();
        } else {
            assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith(want[3].strip()));
        }
    }

    @Test
    void aNullListIsNoValues() {
        List<String> warnings = new java.util.ArrayList<>();
        JobResult r = ResultParser.parse("{\"m\":null,\"n\":[{\"value\":1}]}".getBytes(java.nio.charset.StandardCharsets.UTF_8), "p", warnings);
        assertThat(r.metrics().get("m")).isEmpty();
        assertThat(warnings).containsExactly("'m' is null: no values (as the Go controller read it)");
    }

    @Test
    void theResultIsImmutable() {
        JobResult r = parse("{\"m\":[{\"value\":1,\"labels\":{\"a\":\"b\"}}]}");
        assertThatThrownBy(() -> r.metrics().put("x", List.of())).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> r.metrics().get("m").get(0).labels().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }
}

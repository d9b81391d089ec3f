package io.batchjob.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ResultSeriesTest {

    @Test
    void pruningAnExecutionDropsTheValuesOnlyItUsedWhileAnEarlierViewStillReadsThem() {
        ResultSeries series = new ResultSeries(false);
        ResultSeries.Family f = series.define("scan_finding", "findings", List.of("path"));
        for (int i = 0; i < 1_000; i++) {
            series.set(f, "20261127080000", "node-a", new String[]{"/old/" + i}, i);
        }
        series.executionStarted("20261127090000");
        series.set(f, "20261127090000", "node-a", new String[]{"/kept"}, 1);
        ResultSeries.FamilyView before = series.view().get(0);

        series.prune("20261127080000");

        assertThat(series.size()).isEqualTo(1);
        assertThat(series.view().get(0).values().count()).as("node-a and /kept").isEqualTo(2);
        ResultSeries.Column old = before.columns().get(0);
        assertThat(before.family().value(before.values(), old, 999, 0)).as("a view keeps its dictionary").isEqualTo("/old/999");
        // Writes after the rebuild find their values again.
        series.set(f, "20261127090000", "node-a", new String[]{"/kept"}, 2);
        assertThat(series.size()).isEqualTo(1);
    }

    @Test
    void aNodesRowsAreRemovedWithTheirLatestCopiesAndNoOtherNodesOrOtherExecutionsCopies() {
        ResultSeries series = new ResultSeries(true);
        ResultSeries.Family f = series.define("scan_finding", "findings", List.of("path"));
        series.set(f, "20261127080000", "a", new String[]{"/x"}, 1); // an earlier execution's copy of "a"
        series.executionStarted("20261127090000");
        series.set(f, "20261127090000", "a", new String[]{"/y"}, 2);
        series.set(f, "20261127090000", "a", new String[]{"/z"}, 3);
        series.set(f, "20261127090000", "b", new String[]{"/y"}, 4);

        assertThat(series.removeNode(f, "20261127090000", "a")).isEqualTo(2);

        ResultSeries.FamilyView view = series.view().get(0);
        List<String> rows = view.columns().stream().flatMap(c -> java.util.stream.IntStream.range(0, c.size)
                .mapToObj(r -> c.executionId + ":" + view.family().value(view.values(), c, r, 1) + ":" + view.family().value(view.values(), c, r, 0)))
                .toList();
        assertThat(rows).containsExactlyInAnyOrder("20261127080000:a:/x", "20261127090000:b:/y", "latest:a:/x", "latest:b:/y");
    }
}

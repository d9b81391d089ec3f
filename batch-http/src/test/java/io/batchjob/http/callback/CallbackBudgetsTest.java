package io.batchjob.http.callback;

import io.batchjob.core.config.Budgets;
import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.ResultFootprint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Budgets of one job and of the controller: refused before anything is stored, told once, counted. */
class CallbackBudgetsTest {

    @TempDir
    Path base;

    private CallbackFixture fixture(Budgets budgets, ResultFootprint footprint) {
        return new CallbackFixture(base, List.of("node-a", "node-b", "node-c"), 2, CallbackAuth.TOKEN, false, 1 << 20, 64 << 10, 16, 512,
                10_000, b -> b.resultFootprint(footprint), budgets);
    }

    private static HttpResponse<String> upload(CallbackFixture f, String node, String name, String content) throws Exception {
        return f.post(f.injectedUrl(node, "file") + "?name=" + name, null, "application/octet-stream", content.getBytes(StandardCharsets.UTF_8));
    }

    private long files(CallbackFixture f) throws Exception {
        try (Stream<Path> s = Files.list(f.reports.resolve(f.executionId))) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }

    @Test
    void aJobsFilesBeyondMaxFilesPerJobAreRefusedWhileReplacingOneOfItsFilesStillWorks() throws Exception {
        try (CallbackFixture f = fixture(Budgets.DEFAULT.withMaxFilesPerJob(3), ResultFootprint.NONE)) {
            for (int i = 0; i < 3; i++) {
                assertThat(upload(f, "node-a", "f" + i + ".txt", "x").statusCode()).isEqualTo(200);
            }
            HttpResponse<String> fourth = upload(f, "node-a", "f3.txt", "x");
            assertThat(fourth.statusCode()).isEqualTo(413);
            assertThat(fourth.body()).isEqualTo("this job has uploaded 3 files; with 1 more it would have 4, more than maxFilesPerJob (3):"
                    + " pack files into an archive, or raise maxFilesPerJob; nothing was stored\n");
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-f3.txt")).doesNotExist();
            // The same name again replaces the file: no new file, so within the budget.
            assertThat(upload(f, "node-a", "f0.txt", "again").statusCode()).isEqualTo(200);
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-f0.txt")).hasContent("again");
            // A multipart request that would go beyond is refused whole: none of its parts is stored.
            HttpResponse<String> multi = f.post(f.injectedUrl("node-a", "file"), null, "multipart/form-data; boundary=b",
                    ("--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"f1.txt\"\r\n\r\nnew\r\n"
                            + "--b\r\nContent-Disposition: form-data; name=\"b\"; filename=\"f9.txt\"\r\n\r\nnine\r\n--b--\r\n")
                            .getBytes(StandardCharsets.UTF_8));
            assertThat(multi.statusCode()).isEqualTo(413);
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-f1.txt")).hasContent("x");
            assertThat(f.reports.resolve(f.executionId).resolve("node-a-f9.txt")).doesNotExist();
            // Another job has a budget of its own.
            assertThat(upload(f, "node-b", "f0.txt", "x").statusCode()).isEqualTo(200);
            assertThat(files(f)).isEqualTo(4);
            // Counted each time, told once: one Warning Event on node-a's pod.
            assertThat(f.budgetRefusals).containsExactly("maxFilesPerJob", "maxFilesPerJob");
            assertThat(f.events).filteredOn(e -> e.reason().equals("BudgetExceeded")).singleElement().satisfies(e -> {
                assertThat(e.node()).isEqualTo("node-a");
                assertThat(e.warning()).isTrue();
                assertThat(e.message()).contains("maxFilesPerJob (3)");
            });
            assertThat(f.reports.resolve(f.executionId)).isDirectoryNotContaining("glob:**/.tmp-*");
        }
    }

    @Test
    void aJobsBytesBeyondMaxBytesPerJobAreRefusedCountingWhatAReplacedFileFreed() throws Exception {
        try (CallbackFixture f = fixture(Budgets.DEFAULT.withMaxBytesPerJob(10), ResultFootprint.NONE)) {
            assertThat(upload(f, "node-a", "a.txt", "123456").statusCode()).isEqualTo(200);
            HttpResponse<String> over = upload(f, "node-a", "b.txt", "12345");
            assertThat(over.statusCode()).isEqualTo(413);
            assertThat(over.body()).isEqualTo("this job's files total 6 bytes; with this upload they would total 11, more than"
                    + " maxBytesPerJob (10): upload less, or raise maxBytesPerJob; nothing was stored\n");
            // Replacing a.txt by 2 bytes frees 4: now 8 more bytes fit.
            assertThat(upload(f, "node-a", "a.txt", "12").statusCode()).isEqualTo(200);
            assertThat(upload(f, "node-a", "b.txt", "12345678").statusCode()).isEqualTo(200);
            assertThat(f.budgetRefusals).containsExactly("maxBytesPerJob");
        }
    }

    @Test
    void theCountsStartFromWhatIsOnDiskSoARestartedControllerKeepsTheBudget() throws Exception {
        try (CallbackFixture f = fixture(Budgets.DEFAULT.withMaxFilesPerJob(2), ResultFootprint.NONE)) {
            // Written before this callback API saw the execution (a previous controller process).
            Files.writeString(f.reports.resolve(f.executionId).resolve("node-a-old1.txt"), "x");
            Files.writeString(f.reports.resolve(f.executionId).resolve("node-a-old2.txt"), "x");
            Files.writeString(f.reports.resolve(f.executionId).resolve("node-a.json"), "{}"); // a result is not an upload
            assertThat(upload(f, "node-a", "new.txt", "x").statusCode()).isEqualTo(413);
            assertThat(upload(f, "node-b", "new.txt", "x").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aResultThatWouldTakeTheSeriesInMemoryBeyondTheBudgetIsRefusedWith507AndNotStored() throws Exception {
        AtomicLong held = new AtomicLong(95);
        ResultFootprint footprint = new ResultFootprint() {
            @Override
            public long heldSeries() {
                return held.get();
            }

            @Override
            public long heldSeriesOf(String executionId, String node) {
                return node.equals("node-b") ? 4 : 0;
            }
        };
        try (CallbackFixture f = fixture(Budgets.DEFAULT.withMaxSeriesInMemory(100), footprint)) {
            String sixValues = "{\"m\":[" + String.join(",", java.util.Collections.nCopies(6, "{\"value\":1}")) + "]}";
            HttpResponse<String> r = f.post(f.injectedUrl("node-a", "result"), null, "application/json", sixValues.getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).isEqualTo(507);
            assertThat(r.body()).isEqualTo("the controller holds 95 result series; with this result's 6 values it would hold 101, more than"
                    + " maxSeriesInMemory (100): send fewer label sets, keep fewer executions (reportHistory), or raise"
                    + " maxSeriesInMemory with the controller's memory\n");
            assertThat(f.reports.resolve(f.executionId).resolve("node-a.json")).doesNotExist();
            // node-b's new result replaces its 4 series: 95 - 4 + 6 fits.
            HttpResponse<String> b = f.post(f.injectedUrl("node-b", "result"), null, "application/json", sixValues.getBytes(StandardCharsets.UTF_8));
            assertThat(b.statusCode()).isEqualTo(200);
            assertThat(f.budgetRefusals).containsExactly("maxSeriesInMemory");
            List<JobEvent> warnings = f.events.stream().filter(e -> e.reason().equals("BudgetExceeded")).toList();
            assertThat(warnings).extracting(JobEvent::node).containsExactly("node-a");
        }
    }
}

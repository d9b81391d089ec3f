package io.batchjob.core.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReportStoreTest {

    @TempDir
    Path root;

    private ReportStore store() {
        return new ReportStore(root.resolve("reports"));
    }

    @Test
    void writesAFileAtomicallyIntoTheExecutionDirectory() throws Exception {
        ReportStore store = store();

        Path written = store.write("20261127080000", "node-a-report.txt", new ByteArrayInputStream("hello".getBytes()), 100);

        assertThat(written).isEqualTo(store.root().resolve("20261127080000/node-a-report.txt"));
        assertThat(written).hasContent("hello");
        assertThat(listAll(store.root().resolve("20261127080000"))).containsExactly("node-a-report.txt");
    }

    @Test
    void aWriteOverTheLimitLeavesNothingBehindAndKeepsTheOldFile() throws Exception {
        ReportStore store = store();
        store.write("1", "f.txt", "old".getBytes());

        assertThatThrownBy(() -> store.write("1", "f.txt", new ByteArrayInputStream(new byte[1025]), 1024))
                .isInstanceOf(SizeLimitExceededException.class)
                .hasMessage("the content is larger than the limit of 1024 bytes");

        assertThat(store.root().resolve("1/f.txt")).hasContent("old");
        assertThat(listAll(store.root().resolve("1"))).containsExactly("f.txt");
    }

    @Test
    void exactlyTheLimitIsAccepted() throws Exception {
        ReportStore store = store();
        store.write("1", "f.bin", new ByteArrayInputStream(new byte[1024]), 1024);
        assertThat(Files.size(store.root().resolve("1/f.bin"))).isEqualTo(1024);
    }

    @Test
    void aReadErrorHalfwayLeavesNoPartialFile() {
        ReportStore store = store();
        InputStream broken = new SequenceInputStream(new ByteArrayInputStream(new byte[100_000]), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        });

        assertThatThrownBy(() -> store.write("1", "f.bin", broken, Long.MAX_VALUE)).isInstanceOf(IOException.class)
                .hasMessage("connection reset");
        assertThat(listAll(store.root().resolve("1"))).isEmpty();
    }

    @Test
    void refusesHostileNamesBeforeTouchingTheDisk() {
        ReportStore store = store();
        for (String name : FileNamesTest.hostileNames().toList()) {
            assertThatThrownBy(() -> store.write("1", name, new ByteArrayInputStream(new byte[1]), 10))
                    .as("name %s", name).isInstanceOf(InvalidFileNameException.class);
        }
        assertThat(listAll(root)).containsExactly("reports");
    }

    @Test
    void refusesExecutionIdsThatAreNotNumbers() {
        ReportStore store = store();
        for (String id : List.of("..", "../1", "1/2", "", "abc", "1e5", "-1", "12345678901234567890")) {
            assertThatThrownBy(() -> store.write(id, "f", new ByteArrayInputStream(new byte[1]), 10))
                    .as("id %s", id).isInstanceOf(InvalidFileNameException.class);
        }
    }

    @Test
    void latestPointsAtTheNewestExecutionAndIsReplacedAtomically() throws Exception {
        ReportStore store = store();
        store.createExecution("100");
        store.createExecution("200");

        store.pointLatestAt("100");
        store.pointLatestAt("200");

        assertThat(store.latest()).contains("200");
        assertThat(Files.readSymbolicLink(store.root().resolve("latest"))).isEqualTo(Path.of("200"));
        assertThat(listAll(store.root())).containsExactlyInAnyOrder("100", "200", "latest");
    }

    @Test
    void prunesByExecutionIdOrderNotFileTimes() throws Exception {
        ReportStore store = store();
        // Go-style 12-digit IDs sort before 14-digit ones; modification times say the opposite.
        List<String> ids = List.of("202611270800", "20261127080000", "20261127090000", "20261128000000");
        for (int i = 0; i < ids.size(); i++) {
            Path dir = store.createExecution(ids.get(i));
            Files.setLastModifiedTime(dir, FileTime.from(Instant.parse("2030-01-01T00:00:00Z").minusSeconds(i * 3600L)));
        }
        Files.createDirectory(store.root().resolve("not-an-execution"));

        List<String> pruned = store.prune(2);

        assertThat(pruned).containsExactly("202611270800", "20261127080000");
        assertThat(store.executionIds()).containsExactly("20261127090000", "20261128000000");
        assertThat(store.root().resolve("not-an-execution")).isDirectory();
    }

    @Test
    void theExecutionDirectoryHoldsOnlyWhatTheGoControllerWroteThere() throws Exception {
        ReportStore store = store();
        store.writeJson("7", "_plan.json", java.util.Map.of("nodes", List.of("a", "b")));
        store.appendLine("7", "_jobs.jsonl", "{}");
        store.writeJson("7", "_summary.json", java.util.Map.of("counts", java.util.Map.of()));
        store.write("7", "a.json", "{}".getBytes(StandardCharsets.UTF_8));
        store.write("7", "a-report.txt", "r".getBytes(StandardCharsets.UTF_8));
        store.write("7", "b-container-job.log", "l".getBytes(StandardCharsets.UTF_8));

        try (var files = Files.list(store.executionDirectory("7"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("a.json", "a-report.txt", "b-container-job.log");
        }
        // What `for f in 7/*.json` meets: the nodes' results only.
        try (var json = Files.newDirectoryStream(store.executionDirectory("7"), "*.json")) {
            assertThat(json).extracting(f -> f.getFileName().toString()).containsExactly("a.json");
        }
        assertThat(store.root().resolve(".controller/7/_summary.json")).exists();
        assertThat(store.hasFile("7", "_plan.json")).isTrue();
        assertThat(store.readLines("7", "_jobs.jsonl")).containsExactly("{}");
        assertThat(store.executionIds()).containsExactly("7");
        // Pruned together.
        store.createExecution("8");
        store.prune(1);
        assertThat(store.root().resolve(".controller/7")).doesNotExist();
    }

    @Test
    void readsEngineFilesWhereEarlierVersionsWroteThem() throws Exception {
        ReportStore store = store();
        Files.createDirectories(store.root().resolve("5"));
        Files.writeString(store.root().resolve("5/_jobs.jsonl"), "{\"old\":1}\n");
        assertThat(store.readLines("5", "_jobs.jsonl")).containsExactly("{\"old\":1}");
        assertThat(store.hasFile("5", "_jobs.jsonl")).isTrue();
    }

    @Test
    void keepsReportHistoryExecutionsTheCurrentOneIncludedAsTheGoController() throws Exception {
        ReportStore store = store();
        for (String id : List.of("1", "2", "3", "4")) {
            store.createExecution(id);
        }
        assertThat(store.prune(3)).containsExactly("1");
        assertThat(store.executionIds()).containsExactly("2", "3", "4");
        assertThat(store.prune(0)).as("the current one is never deleted").containsExactly("2", "3");
        assertThat(store.executionIds()).containsExactly("4");
    }

    @Test
    void pruningNeverFollowsLinksOutOfTheReportDirectory() throws Exception {
        ReportStore store = store();
        Path outside = Files.createDirectories(root.resolve("precious"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        Path dir = store.createExecution("1");
        Files.createSymbolicLink(dir.resolve("link"), outside);
        store.createExecution("2");

        assertThat(store.prune(1)).containsExactly("1");

        assertThat(outside.resolve("keep.txt")).hasContent("keep");
        assertThat(dir).doesNotExist();
    }

    @Test
    void journalLinesSurviveAndAPartialLastLineIsSkipped() throws Exception {
        ReportStore store = store();
        store.appendLine("1", "_jobs.jsonl", "{\"a\":1}");
        store.appendLine("1", "_jobs.jsonl", "{\"b\":2}");
        Files.writeString(store.root().resolve(".controller/1/_jobs.jsonl"), "{\"c\":", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);

        assertThat(store.readLines("1", "_jobs.jsonl")).containsExactly("{\"a\":1}", "{\"b\":2}");
        assertThat(store.readLines("1", "missing.jsonl")).isEmpty();
        assertThatThrownBy(() -> store.appendLine("1", "_jobs.jsonl", "two\nlines")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentWritesOfOneNameEndWithOneWholeCopy() throws Exception {
        ReportStore store = store();
        byte[] a = "a".repeat(200_000).getBytes();
        byte[] b = "b".repeat(200_000).getBytes();
        List<Thread> threads = Stream.of(a, b, a, b).map(bytes -> new Thread(() -> store.write("1", "same.txt", bytes))).toList();
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        String content = Files.readString(store.root().resolve("1/same.txt"));
        assertThat(content).satisfiesAnyOf(c -> assertThat(c).isEqualTo(new String(a)), c -> assertThat(c).isEqualTo(new String(b)));
        assertThat(listAll(store.root().resolve("1"))).containsExactly("same.txt");
    }

    @Test
    void readsAndWritesJson() {
        ReportStore store = store();
        store.writeJson("1", "x.json", new Sample("v", Instant.parse("2026-01-01T00:00:00Z")));

        assertThat(store.readJson("1", "x.json", Sample.class)).contains(new Sample("v", Instant.parse("2026-01-01T00:00:00Z")));
        assertThat(store.readJson("1", "missing.json", Sample.class)).isEmpty();
        assertThat(store.hasFile("1", "x.json")).isTrue();
    }

    @Test
    void aBatchIsStoredWhollyOrNotAtAll() throws Exception {
        ReportStore store = store();
        try (UploadBatch batch = store.batch("1")) {
            batch.add("n-a.txt", new ByteArrayInputStream("a".getBytes()), 10);
            batch.add("n-b.txt", new ByteArrayInputStream("b".getBytes()), 10);
            assertThatThrownBy(() -> batch.add("n-c.txt", new ByteArrayInputStream(new byte[11]), 10))
                    .isInstanceOf(SizeLimitExceededException.class);
        }
        assertThat(listAll(store.root().resolve("1"))).isEmpty();

        try (UploadBatch batch = store.batch("1")) {
            batch.add("n-a.txt", new ByteArrayInputStream("a".getBytes()), 10);
            assertThatThrownBy(() -> batch.add("n-a.txt", new ByteArrayInputStream("b".getBytes()), 10))
                    .isInstanceOf(InvalidFileNameException.class).hasMessageContaining("used twice");
            batch.add("n-b.txt", new ByteArrayInputStream("bb".getBytes()), 10);
            assertThat(batch.stagedBytes()).isEqualTo(3);
            assertThat(batch.commit()).hasSize(2);
        }
        assertThat(listAll(store.root().resolve("1"))).containsExactly("n-a.txt", "n-b.txt");
    }

    record Sample(String value, Instant at) {
    }

    private static List<String> listAll(Path dir) {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}

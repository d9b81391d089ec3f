package io.batchjob.core.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class FileListingTest {

    @TempDir
    Path base;

    @Test
    void pagesThroughEveryFileOfTwoDirectoriesInNameOrderWithoutRepeatsOrGaps() throws Exception {
        Path files = Files.createDirectories(base.resolve("files"));
        Path engine = Files.createDirectories(base.resolve("engine"));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1_234; i++) {
            String name = "node-" + (i * 7919 % 1_234) + ".txt"; // written out of order
            Files.writeString(files.resolve(name), "x".repeat(i % 5));
            expected.add(name);
        }
        Files.writeString(engine.resolve("_summary.json"), "{}");
        expected.add("_summary.json");
        expected.sort(null);

        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String after = "";
        for (int pages = 0; pages < 10; pages++) {
            FileListing.Page page = FileListing.page(List.of(files, engine), after, 500);
            assertThat(page.total()).isEqualTo(1_235);
            page.files().forEach(f -> seen.add(f.name()));
            sizes.add(page.files().size());
            if (page.next().isEmpty()) {
                break;
            }
            after = page.next().get();
        }
        assertThat(sizes).containsExactly(500, 500, 235);
        assertThat(seen).containsExactlyElementsOf(expected);
    }

    @Test
    void hidesPartialHiddenAndUnsafeNamesAndListsNoLinksOrDirectories() throws Exception {
        Path dir = Files.createDirectories(base.resolve("x"));
        Files.writeString(dir.resolve("a.txt"), "abc");
        Files.writeString(dir.resolve(".tmp-1"), "partial");
        Files.writeString(dir.resolve("bad\u202Ename.txt"), "bidi");
        Files.createDirectories(dir.resolve("sub"));
        Files.createSymbolicLink(dir.resolve("link.txt"), dir.resolve("a.txt"));

        FileListing.Page page = FileListing.page(List.of(dir, base.resolve("missing")), null, 10);

        assertThat(page.files()).extracting(FileListing.Entry::name).containsExactly("a.txt");
        assertThat(page.files().get(0).size()).isEqualTo(3);
        assertThat(page.next()).isEmpty();
    }

    @Test
    void aCursorAfterTheLastNameIsAnEmptyLastPageAndTheLimitIsClamped() throws Exception {
        Path dir = Files.createDirectories(base.resolve("y"));
        IntStream.range(0, 3).forEach(i -> {
            try {
                Files.writeString(dir.resolve("f" + i), "");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(FileListing.page(List.of(dir), "zzz", 10).files()).isEmpty();
        assertThat(FileListing.page(List.of(dir), "", 0).files()).hasSize(1);
        assertThat(FileListing.page(List.of(dir), "", 0).next()).isEqualTo(Optional.of("f0"));
        assertThat(FileListing.page(List.of(dir), "f0", Integer.MAX_VALUE).files()).extracting(FileListing.Entry::name)
                .containsExactly("f1", "f2");
    }
}

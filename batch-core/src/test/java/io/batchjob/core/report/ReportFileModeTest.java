package io.batchjob.core.report;

import io.batchjob.core.config.ReportFileMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Report files are written 0600 and directories 0700 (as the Go controller's files), unless reportFileMode says otherwise. */
class ReportFileModeTest {

    private static final String ID = "20261127080000";

    @TempDir
    Path tmp;

    @Test
    void everyFileAndDirectoryTheStoreCreatesIsTheOwnersOnlyByDefault() throws Exception {
        ReportStore store = new ReportStore(tmp.resolve("reports"));
        writeEveryKindOfFile(store);

        assertThat(modes(store.root(), false)).isNotEmpty().allSatisfy(m -> assertThat(m).endsWith("rw-------"));
        assertThat(modes(store.root(), true)).hasSizeGreaterThanOrEqualTo(4).allSatisfy(m -> assertThat(m).endsWith("rwx------"));
    }

    @Test
    void aConfiguredModeIsAppliedWhateverTheUmaskAndDirectoriesGetSearchWhereReadable() throws Exception {
        ReportStore store = new ReportStore(tmp.resolve("reports"), ReportFileMode.parse("0664"));
        writeEveryKindOfFile(store);

        // The JVM's umask (022 here) would have made these 0644 / 0755.
        assertThat(modes(store.root(), false)).isNotEmpty().allSatisfy(m -> assertThat(m).endsWith("rw-rw-r--"));
        assertThat(modes(store.root(), true)).allSatisfy(m -> assertThat(m).endsWith("rwxrwxr-x"));
    }

    @Test
    void anExistingReportDirectoryKeepsItsOwnMode() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("volume"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwsr-x".replace('s', 'x')));
        new ReportStore(root).write(ID, "n.json", "{}".getBytes());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwxrwxr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(ID)))).isEqualTo("rwx------");
    }

    @Test
    void modesAreWrittenInOctalAndMustKeepTheControllersOwnAccess() {
        assertThat(ReportFileMode.parse("0640").directoryBits()).isEqualTo(0750);
        assertThat(ReportFileMode.parse("640")).isEqualTo(ReportFileMode.parse("0o640"));
        assertThat(ReportFileMode.ofNumber(0644).toString()).isEqualTo("0644");
        assertThat(ReportFileMode.DEFAULT.directoryBits()).isEqualTo(0700);
        assertThatThrownBy(() -> ReportFileMode.parse("0400")).hasMessageContaining("include 0600");
        assertThatThrownBy(() -> ReportFileMode.parse("0755")).hasMessageContaining("execute bit");
        assertThatThrownBy(() -> ReportFileMode.parse("rw-r--r--")).hasMessageContaining("not a file mode");
        assertThatThrownBy(() -> ReportFileMode.parse("0800")).hasMessageContaining("not a file mode");
        assertThatThrownBy(() -> ReportFileMode.parse("01600")).hasMessageContaining("not a file mode");
        assertThatThrownBy(() -> ReportFileMode.ofNumber(640)).hasMessageContaining("leading 0 (0640) or quoted");
        assertThatThrownBy(() -> ReportFileMode.ofNumber(-1)).hasMessageContaining("not a file mode");
    }

    private static void writeEveryKindOfFile(ReportStore store) throws Exception {
        store.write(ID, "node-a.json", "{}".getBytes());                                   // a result
        store.write(ID, "node-a-report.txt", new ByteArrayInputStream("x".getBytes()), 10); // an upload
        try (UploadBatch batch = store.batch(ID)) {                                  // a multipart upload
            batch.add("node-a-1.txt", new ByteArrayInputStream("1".getBytes()), 10);
            batch.commit();
        }
        store.writeJson(ID, "_summary.json", List.of("done"));                             // the engine's records
        store.appendLine(ID, "_jobs.jsonl", "{}");
        store.createPrivateDirectory(store.root().resolve(".uploads"));
        store.pointLatestAt(ID);
    }

    /** Modes of every file (or directory) below root, root itself excluded; links skipped. */
    private static List<String> modes(Path root, boolean directories) throws Exception {
        List<String> modes = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.filter(p -> !p.equals(root)).toList()) {
                if (Files.isSymbolicLink(p) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) != directories) {
                    continue;
                }
                modes.add(root.relativize(p) + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
            }
        }
        return modes;
    }
}

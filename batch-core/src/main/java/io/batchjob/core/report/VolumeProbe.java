package io.batchjob.core.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * Whether the report volume takes writes now: a probe of 4 KiB written and removed in the report
 * directory (a full volume refuses it). At most one probe every 5 seconds; callers in between get
 * the last answer. Thread-safe (guarded by itself).
 */
final class VolumeProbe {

    private static final long EVERY_NANOS = 5_000_000_000L;

    private final Path root;
    private final PermittedFiles files;
    private long checkedAt;
    private Optional<String> problem = Optional.empty();

    VolumeProbe(Path root, PermittedFiles files) {
        this.root = root;
        this.files = files;
    }

    /** The problem writing, empty when writing works. */
    synchronized Optional<String> problem() {
        long now = System.nanoTime();
        if (checkedAt != 0 && now - checkedAt < EVERY_NANOS) {
            return problem;
        }
        Path file = root.resolve(ReportStore.TEMP_PREFIX + "probe-" + UUID.randomUUID());
        try (FileChannel out = files.open(file, false)) {
            ByteBuffer buf = ByteBuffer.wrap(new byte[4096]);
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            problem = Optional.empty();
        } catch (IOException e) {
            problem = Optional.of("cannot write to " + root + ": " + e.getMessage());
        } finally {
            ReportStore.deleteQuietly(file);
        }
        checkedAt = System.nanoTime();
        return problem;
    }
}

package io.batchjob.core.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Files staged for one commit. Not thread-safe: one request uses one batch. */
public final class UploadBatch implements AutoCloseable {
    private final ReportStore store;
    private final Path dir;
    private final java.util.Map<String, Path> staged = new java.util.LinkedHashMap<>();
    private boolean committed;

    UploadBatch(ReportStore store, Path dir) {
        this.store = store;
        this.dir = dir;
    }

    /**
     * Streams one file into a temporary file.
     *
     * @throws InvalidFileNameException   when the name is refused or was already added
     * @throws SizeLimitExceededException when the content is longer than {@code maxBytes}
     * @throws IOException                when reading {@code content} fails
     * @throws ReportStorageException     when the disk refuses the write
     */
    public Path add(String fileName, InputStream content, long maxBytes) throws IOException {
        FileNames.requireSafe(fileName);
        Path target = dir.resolve(fileName);
        if (!target.getParent().equals(dir)) {
            throw new InvalidFileNameException("the file name must stay inside the execution directory");
        }
        if (staged.containsKey(fileName)) {
            throw new InvalidFileNameException("the file name '" + fileName + "' is used twice in one request");
        }
        Path temp = dir.resolve(ReportStore.TEMP_PREFIX + UUID.randomUUID());
        staged.put(fileName, temp);
        FileChannel out;
        try {
            out = store.files().open(temp, false);
        } catch (IOException e) {
            throw new ReportStorageException("cannot write " + dir + ": " + e.getMessage(), e);
        }
        try (out) {
            copy(content, out, maxBytes, temp); // a failing read (the client's side) stays an IOException
        }
        return target;
    }

    /** Renames every staged file into place. */
    public List<Path> commit() {
        store.requireFenceOpen(String.join(", ", staged.keySet()));
        List<Path> done = new ArrayList<>();
        try {
            for (java.util.Map.Entry<String, Path> e : staged.entrySet()) {
                Path target = dir.resolve(e.getKey());
                ReportStore.move(e.getValue(), target);
                done.add(target);
            }
        } catch (IOException e) {
            throw new ReportStorageException("cannot store files in " + dir + ": " + e.getMessage(), e);
        }
        committed = true;
        return done;
    }

    /** Each staged file's name and size, in the order they were added. */
    public java.util.Map<String, Long> stagedSizes() {
        java.util.Map<String, Long> sizes = new java.util.LinkedHashMap<>();
        staged.forEach((name, temp) -> {
            try {
                sizes.put(name, Files.size(temp));
            } catch (IOException e) {
                sizes.put(name, 0L); // already moved or removed
            }
        });
        return sizes;
    }

    /** The size of the file a staged name would replace, or -1 when there is none. */
    public long replacedSize(String fileName) {
        try {
            BasicFileAttributes a = Files.readAttributes(dir.resolve(fileName), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? a.size() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Total bytes staged so far. */
    public long stagedBytes() {
        long total = 0;
        for (Path p : staged.values()) {
            try {
                total += Files.size(p);
            } catch (IOException e) {
                // already moved or removed
            }
        }
        return total;
    }

    @Override
    public void close() {
        if (!committed) {
            staged.values().forEach(ReportStore::deleteQuietly);
        }
    }

    /** Input failures propagate as IOException; output failures become ReportStorageException. */
    private static void copy(InputStream in, FileChannel out, long maxBytes, Path temp) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                return;
            }
            total += n;
            if (total > maxBytes) {
                throw new SizeLimitExceededException(maxBytes);
            }
            try {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
            } catch (IOException e) {
                throw new ReportStorageException("cannot write " + temp.getParent() + ": " + e.getMessage(), e);
            }
        }
    }
}

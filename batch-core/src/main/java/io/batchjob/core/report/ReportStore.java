package io.batchjob.core.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.batchjob.core.config.ReportFileMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The report directory: {@code <root>/<executionID>/} holds {@code <node>.json},
 * {@code <node>-<file>} and {@code <node>-container-<container>.log}; {@code <root>/latest} is a
 * symbolic link to the newest execution.
 *
 * <p>Every name goes through {@link FileNames}. Every file is written to a hidden temporary
 * file in the same directory and renamed over its final name, so a reader never sees a partial
 * file and a failed or refused write leaves nothing behind. Thread-safe: writers of different
 * files do not block each other; the same name written twice concurrently ends with one whole
 * copy (last rename wins).
 */
public final class ReportStore {

    /** Name of the link to the newest execution. */
    public static final String LATEST = "latest";
    /** Names of the engine's own files start with this (see {@link #fileOf}). */
    public static final String ENGINE_FILE_PREFIX = "_";
    /** Where the engine's own files live, below the report directory; hidden from globs such as {@code *}. */
    public static final String ENGINE_DIRECTORY = ".controller";

    private static final Logger LOG = LoggerFactory.getLogger(ReportStore.class);
    private static final Pattern EXECUTION_ID = Pattern.compile("[0-9]{1,19}");
    static final String TEMP_PREFIX = ".tmp-";
    /** Orders execution IDs numerically (they are digit strings without sign). */
    public static final Comparator<String> BY_EXECUTION_ID = Comparator.comparingInt(String::length)
            .thenComparing(Comparator.naturalOrder());

    private final Path root;
    private final PermittedFiles files;
    private final VolumeProbe probe;
    /** Checked before every write; open unless {@link #fenceWith} installs another (leader election). */
    private volatile io.batchjob.core.spi.WriteFence fence = io.batchjob.core.spi.WriteFence.OPEN;
    private final ObjectMapper json = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            // Our files carry derived fields (durationMillis, counts) that are not constructor arguments.
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * A store whose files are written {@code 0600} and directories {@code 0700}, as the Go controller.
     *
     * @param root the report directory; created if missing
     * @throws ReportStorageException when it cannot be created
     */
    public ReportStore(Path root) {
        this(root, ReportFileMode.DEFAULT);
    }

    /**
     * @param root the report directory; created if missing (an existing one keeps its own mode)
     * @param mode permissions of the files it writes; directories it creates get {@link ReportFileMode#directoryBits()}
     * @throws ReportStorageException when it cannot be created
     */
    public ReportStore(Path root, ReportFileMode mode) {
        this.root = root.toAbsolutePath().normalize();
        this.files = new PermittedFiles(this.root, mode);
        this.probe = new VolumeProbe(this.root, files);
        try {
            files.createDirectory(this.root);
        } catch (IOException e) {
            throw new ReportStorageException("cannot create the report directory " + this.root + ": " + e, e);
        }
    }

    /**
     * From now on every write first asks the fence, and is refused ({@link FencedWriteException})
     * when it says no: a replica that may no longer lead writes nothing.
     */
    public void fenceWith(io.batchjob.core.spi.WriteFence fence) {
        this.fence = java.util.Objects.requireNonNull(fence);
    }

    /** The fence writes ask (open by default). */
    public io.batchjob.core.spi.WriteFence fence() {
        return fence;
    }

    void requireFenceOpen(String what) {
        java.util.Optional<String> refusal = fence.refusal();
        if (refusal.isPresent()) {
            throw new FencedWriteException("not writing " + what + ": " + refusal.get());
        }
    }

    public Path root() {
        return root;
    }

    /** The permissions of the files this store writes. */
    /** The file system calls that apply the report files' permissions (for {@link UploadBatch}). */
    PermittedFiles files() {
        return files;
    }

    public ReportFileMode mode() {
        return files.mode();
    }

    /**
     * Creates a directory below the report directory (and its missing parents) with the store's
     * directory mode, for helpers that stage files there (e.g. multipart uploads).
     */
    public Path createPrivateDirectory(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        if (!d.startsWith(root)) {
            throw new IllegalArgumentException(d + " is not below the report directory " + root);
        }
        return files.createDirectory(d);
    }

    /** @return whether {@code id} has the shape of an execution ID (digits only) */
    public static boolean isExecutionId(String id) {
        return id != null && EXECUTION_ID.matcher(id).matches();
    }

    /** The directory of one execution (not created). */
    public Path executionDirectory(String executionId) {
        if (!isExecutionId(executionId)) {
            throw new InvalidFileNameException("'" + executionId + "' is not an execution ID: expected digits only");
        }
        return root.resolve(executionId);
    }

    /**
     * Where a file of an execution lives. The engine's own files (names starting with
     * {@value #ENGINE_FILE_PREFIX}: plan, journal, summary) live in
     * {@code <root>/.controller/<executionID>/}, so that the execution's directory holds only what
     * the Go controller wrote there ({@code <node>.json}, {@code <node>-*}) and scripts that glob
     * {@code *.json} to iterate nodes meet only nodes. Node names never start with "_".
     */
    public Path fileOf(String executionId, String fileName) {
        FileNames.requireSafe(fileName);
        return fileName.startsWith(ENGINE_FILE_PREFIX) ? engineDirectory(executionId).resolve(fileName)
                : executionDirectory(executionId).resolve(fileName);
    }

    /** A file for reading: where {@link #fileOf} says, or for an engine file where versions before 0.2 wrote it. */
    public Path readableFile(String executionId, String fileName) {
        Path file = fileOf(executionId, fileName);
        if (fileName.startsWith(ENGINE_FILE_PREFIX) && !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            Path old = executionDirectory(executionId).resolve(fileName);
            if (Files.isRegularFile(old, LinkOption.NOFOLLOW_LINKS)) {
                return old;
            }
        }
        return file;
    }

    /** The directory of the engine's files of one execution (not created). */
    public Path engineDirectory(String executionId) {
        executionDirectory(executionId);
        return root.resolve(ENGINE_DIRECTORY).resolve(executionId);
    }

    /** Creates the execution's directory if it is missing. */
    public Path createExecution(String executionId) {
        requireFenceOpen("execution " + executionId);
        Path dir = executionDirectory(executionId);
        try {
            return files.createDirectory(dir);
        } catch (IOException e) {
            throw new ReportStorageException("cannot create " + dir + ": " + e, e);
        }
    }

    /** Whether the execution's directory exists. */
    public boolean exists(String executionId) {
        return Files.isDirectory(executionDirectory(executionId), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Streams {@code content} into {@code <executionID>/<fileName>}, atomically.
     *
     * @param maxBytes the most bytes accepted; one more aborts the write
     * @return the final path
     * @throws InvalidFileNameException  when {@link FileNames} refuses the name
     * @throws SizeLimitExceededException when the content is longer than {@code maxBytes}
     * @throws IOException               when reading {@code content} fails (the client's side)
     * @throws ReportStorageException    when the disk refuses the write
     */
    public Path write(String executionId, String fileName, InputStream content, long maxBytes) throws IOException {
        requireFenceOpen(fileName);
        Path dir = fileOf(executionId, fileName).getParent();
        createExecution(executionId);
        try {
            files.createDirectory(dir);
        } catch (IOException e) {
            throw new ReportStorageException("cannot create " + dir + ": " + e, e);
        }
        try (UploadBatch batch = new UploadBatch(this, dir)) {
            batch.add(fileName, content, maxBytes);
            return batch.commit().get(0);
        }
    }

    /**
     * Starts a set of files that are stored together or not at all (e.g. the parts of one
     * multipart upload). Files are staged as hidden temporary files; {@link UploadBatch#commit()}
     * renames them into place, {@link UploadBatch#close()} removes whatever was not committed.
     */
    public UploadBatch batch(String executionId) {
        return new UploadBatch(this, createExecution(executionId));
    }

    /**
     * {@link #write(String, String, InputStream, long)} for content already in memory: one write of
     * the bytes, and the directories created only when they are missing (the hot path of every
     * result: no 64 KiB copy buffer, no mkdir per call).
     */
    public Path write(String executionId, String fileName, byte[] content) {
        FileNames.requireSafe(fileName);
        requireFenceOpen(fileName);
        Path target = fileOf(executionId, fileName);
        Path dir = target.getParent();
        Path temp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        try {
            try (FileChannel out = openNew(temp, executionId)) {
                ByteBuffer bb = ByteBuffer.wrap(content);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
            }
            move(temp, target);
            return target;
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new ReportStorageException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code value} as indented JSON, atomically. */
    public Path writeJson(String executionId, String fileName, Object value) {
        try {
            return write(executionId, fileName, json.writeValueAsBytes(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** Reads a JSON file of an execution; empty when it does not exist. */
    public <T> Optional<T> readJson(String executionId, String fileName, Class<T> type) {
        Path file = readableFile(executionId, fileName);
        try {
            try (InputStream in = Files.newInputStream(file)) {
                return Optional.of(json.readValue(in, type));
            }
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ReportStorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends one line to a journal file of an execution. The line is written with one call, so
     * a crash leaves at most one partial last line, which {@link #readLines} skips.
     */
    public void appendLine(String executionId, String fileName, String line) {
        requireFenceOpen("a line of " + fileName);
        if (line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a journal line must not contain a newline");
        }
        Path file = fileOf(executionId, fileName);
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel out = openAppend(file, executionId)) {
            long before = out.size();
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            try {
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
            } catch (IOException e) {
                // A full volume may take part of the line: cut it off, so that a retry appends a whole line after whole lines.
                try {
                    out.truncate(before);
                } catch (IOException ignored) {
                    // the partial line stays; readers skip lines they cannot parse
                }
                throw e;
            }
        } catch (IOException e) {
            throw new ReportStorageException("cannot append to " + file + ": " + e, e);
        }
    }

    /**
     * Whether files can be written now (a 4 KiB probe written and removed, at most one every 5 s:
     * {@link VolumeProbe}).
     *
     * @return the problem, empty when writing works
     */
    public Optional<String> writeProblem() {
        return probe.problem();
    }

    /** The complete lines of a journal file (a partial last line is skipped); empty when missing. */
    public List<String> readLines(String executionId, String fileName) {
        Path file = readableFile(executionId, fileName);
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return List.of();
            }
            return List.of(text.substring(0, end).split("\n", -1));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new ReportStorageException("cannot read " + file + ": " + e, e);
        }
    }

    /** The JSON mapper used for the store's own files (ISO-8601 times). */
    public ObjectMapper json() {
        return json;
    }

    /** Whether a file of an execution exists. */
    public boolean hasFile(String executionId, String fileName) {
        return Files.isRegularFile(readableFile(executionId, fileName), LinkOption.NOFOLLOW_LINKS);
    }

    /** Points {@code latest} at the execution, replacing the link atomically. */
    public void pointLatestAt(String executionId) {
        requireFenceOpen("latest");
        executionDirectory(executionId);
        Path link = root.resolve(LATEST);
        Path temp = root.resolve(TEMP_PREFIX + "latest-" + UUID.randomUUID());
        try {
            Files.createSymbolicLink(temp, root.getFileSystem().getPath(executionId));
            move(temp, link);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new ReportStorageException("cannot point " + link + " at " + executionId + ": " + e, e);
        }
    }

    /** The execution {@code latest} points at, if any. */
    public Optional<String> latest() {
        try {
            String target = Files.readSymbolicLink(root.resolve(LATEST)).toString();
            return isExecutionId(target) ? Optional.of(target) : Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** Execution IDs present, oldest first (numeric order, not file times). */
    public List<String> executionIds() {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path p : dirs) {
                String name = p.getFileName().toString();
                if (isExecutionId(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    ids.add(name);
                }
            }
        } catch (IOException e) {
            throw new ReportStorageException("cannot list " + root + ": " + e, e);
        }
        ids.sort(BY_EXECUTION_ID);
        return ids;
    }

    /**
     * Deletes all but the newest {@code history} executions, the current one included (as the Go
     * controller's {@code reportHistory}); the newest is always kept, so 0 keeps one.
     *
     * @return the deleted execution IDs, oldest first
     */
    public List<String> prune(int history) {
        requireFenceOpen("(pruning)");
        List<String> ids = executionIds();
        int excess = ids.size() - Math.max(history, 1);
        if (excess <= 0) {
            return List.of();
        }
        List<String> deleted = new ArrayList<>();
        for (String id : ids.subList(0, excess)) {
            try {
                deleteTree(root.resolve(id));
                Path engine = engineDirectory(id);
                if (Files.exists(engine, LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(engine);
                }
                deleted.add(id);
            } catch (IOException e) {
                LOG.warn("cannot delete old execution {}: {}", id, e.toString());
            }
        }
        return deleted;
    }

    /** Opens the file for appending (creating it); its directories only when they are missing (not a mkdir per line). */
    private FileChannel openAppend(Path file, String executionId) throws IOException {
        try {
            return files.open(file, true);
        } catch (java.nio.file.NoSuchFileException missing) {
            createExecution(executionId);
            files.createDirectory(file.getParent());
            return files.open(file, true);
        }
    }

    /** Creates the file; its directories only when they are missing. */
    private FileChannel openNew(Path file, String executionId) throws IOException {
        try {
            return files.open(file, false);
        } catch (java.nio.file.NoSuchFileException missing) {
            createExecution(executionId);
            files.createDirectory(file.getParent());
            return files.open(file, false);
        }
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("cannot delete temporary file {}: {}", p, e.toString());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        // walkFileTree does not follow links: a link inside a report never leads the delete outside.
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}

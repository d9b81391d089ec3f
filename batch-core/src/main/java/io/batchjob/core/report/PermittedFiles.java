package io.batchjob.core.report;

import io.batchjob.core.config.ReportFileMode;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Creates the report directory's files and directories with the configured {@link ReportFileMode}
 * (0600 / 0700 by default, as the Go controller), set at creation and again where a process umask
 * (typically 022) would have removed group or other bits. On a file system without POSIX
 * permissions the platform's defaults apply. Thread-safe (no state beyond the mode).
 */
final class PermittedFiles {

    private final ReportFileMode mode;
    /** Empty on file systems without POSIX permissions. */
    private final FileAttribute<?>[] fileAttributes;
    private final FileAttribute<?>[] directoryAttributes;

    PermittedFiles(Path root, ReportFileMode mode) {
        this.mode = java.util.Objects.requireNonNull(mode, "mode");
        boolean posix = root.getFileSystem().supportedFileAttributeViews().contains("posix");
        this.fileAttributes = posix ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(mode.filePermissions())}
                : new FileAttribute<?>[0];
        this.directoryAttributes = posix ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(mode.directoryPermissions())}
                : new FileAttribute<?>[0];
    }

    ReportFileMode mode() {
        return mode;
    }

    /** Creates the directory and its missing parents with the directory mode; an existing one keeps its own. */
    Path createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path parent = dir.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createDirectory(parent);
        }
        try {
            Files.createDirectory(dir, directoryAttributes);
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(dir)) {
                return dir; // created meanwhile by another writer
            }
            throw e;
        }
        if (directoryAttributes.length > 0 && mode.sharesWithOthers()) {
            Files.setPosixFilePermissions(dir, mode.directoryPermissions());
        }
        return dir;
    }

    /** Opens a file for writing with the file mode: a new one ({@code append} false) or one to append to. */
    FileChannel open(Path file, boolean append) throws IOException {
        Set<StandardOpenOption> options = append
                ? EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                : EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        FileChannel channel = FileChannel.open(file, options, fileAttributes);
        if (fileAttributes.length > 0 && mode.sharesWithOthers()) {
            try {
                Files.setPosixFilePermissions(file, mode.filePermissions());
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }
        return channel;
    }
}

package io.batchjob.core.config;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The permissions of files in the report directory ({@code reportFileMode}); directories get the
 * same bits plus "search" ({@code x}) wherever they can be read. The default, {@code 0600} (and
 * {@code 0700} for directories), is what the Go controller wrote its reports with: a node check's
 * findings are for the controller, not for every process that shares the volume.
 *
 * @param bits the permission bits, e.g. {@code 0640}; always include {@code 0600} (the controller
 *             reads and replaces its own files) and never an execute bit
 */
public record ReportFileMode(int bits) {

    /** Owner read and write only, as the Go controller. */
    public static final ReportFileMode DEFAULT = new ReportFileMode(0600);

    private static final Pattern OCTAL = Pattern.compile("(0o|0)?([0-7]{3})");

    public ReportFileMode {
        String problem = problem(bits);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Reads a mode written in octal: {@code "0640"}, {@code "640"} or {@code "0o640"}.
     *
     * @throws IllegalArgumentException saying what is allowed
     */
    public static ReportFileMode parse(String text) {
        var m = OCTAL.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a file mode: write three octal digits such as '0600' or '0640'");
        }
        return new ReportFileMode(Integer.parseInt(m.group(2), 8));
    }

    /**
     * A mode given as a YAML number: unquoted {@code 0640} is octal in YAML 1.1 (as the Go
     * controller's YAML reader saw it) and arrives here as 416; an unquoted {@code 640} is the
     * decimal 640 (octal 1200) and is refused with a hint.
     *
     * @throws IllegalArgumentException saying what is allowed
     */
    public static ReportFileMode ofNumber(long value) {
        if (value < 0 || value > 0777) {
            throw new IllegalArgumentException("value " + value + " is not a file mode: write it in octal with a leading 0 (0640) or quoted ('0640')");
        }
        return new ReportFileMode((int) value);
    }

    private static String problem(int bits) {
        if (bits < 0 || bits > 0777) {
            return "mode " + octal(bits) + " is not a file mode: at most 0777";
        }
        if ((bits & 0600) != 0600) {
            return "mode " + octal(bits) + " must let the controller read and write its own files: include 0600 (e.g. 0600, 0640, 0644)";
        }
        if ((bits & 0111) != 0) {
            return "mode " + octal(bits) + " has an execute bit: report files are data; use e.g. 0600, 0640 or 0644"
                    + " (directories get the search bit where they are readable)";
        }
        return null;
    }

    /** The bits of directories: the file bits plus search wherever reading is allowed (0640 gives 0750). */
    public int directoryBits() {
        return bits | 0100 | ((bits & 0040) >> 2) | ((bits & 0004) >> 2);
    }

    /** The file permissions as a set. */
    public Set<PosixFilePermission> filePermissions() {
        return permissions(bits);
    }

    /** The directory permissions as a set. */
    public Set<PosixFilePermission> directoryPermissions() {
        return permissions(directoryBits());
    }

    /** Whether the bits go beyond the owner's, which a process umask (typically 022) may remove at creation. */
    public boolean sharesWithOthers() {
        return (bits & 0077) != 0;
    }

    private static Set<PosixFilePermission> permissions(int bits) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((bits & (1 << i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }

    private static String octal(int bits) {
        return String.format("%04o", bits);
    }

    /** As written in the config: {@code 0640}. */
    @Override
    public String toString() {
        return octal(bits);
    }
}

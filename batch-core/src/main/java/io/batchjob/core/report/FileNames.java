package io.batchjob.core.report;

import java.nio.charset.StandardCharsets;

/**
 * The one file-name policy every writer of the report directory uses. A name is a single path
 * component that is safe on Linux and harmless when shown in a listing: not empty, not
 * {@code .} or {@code ..}, no {@code /} or {@code \}, no NUL, control, format (e.g. bidi
 * override, zero-width), line/paragraph separator or unpaired surrogate characters, no leading
 * or trailing white space, no percent-encoded {@code /}, {@code \} or {@code .} (a name that still
 * carries them was encoded twice, by mistake or to slip past a check), at most
 * {@value #MAX_BYTES} bytes in UTF-8.
 */
public final class FileNames {

    /** Linux limit of one path component. */
    public static final int MAX_BYTES = 255;

    private FileNames() {
    }

    /**
     * @param name a candidate name, as given by a client or derived from a node name
     * @return the name, unchanged
     * @throws InvalidFileNameException saying why it is refused
     */
    public static String requireSafe(String name) {
        String reason = problem(name);
        if (reason != null) {
            throw new InvalidFileNameException(reason);
        }
        return name;
    }

    /** @return whether {@link #requireSafe(String)} would accept the name */
    public static boolean isSafe(String name) {
        return problem(name) == null;
    }

    private static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "the file name is empty";
        }
        if (name.equals(".") || name.equals("..")) {
            return "the file name '" + name + "' is not allowed";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                return "the file name must not contain '" + c + "': directories are not allowed";
            }
            if (c == 0) {
                return "the file name must not contain a NUL character";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "the file name contains an invalid (unpaired surrogate) character";
            }
            if (Character.isLowSurrogate(c)) {
                return "the file name contains an invalid (unpaired surrogate) character";
            }
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                return String.format("the file name must not contain control or invisible characters (found U+%04X)", (int) c);
            }
        }
        if (Character.isWhitespace(name.charAt(0)) || Character.isWhitespace(name.charAt(name.length() - 1))
                || Character.isSpaceChar(name.charAt(0)) || Character.isSpaceChar(name.charAt(name.length() - 1))) {
            return "the file name must not start or end with white space";
        }
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%2e")) {
            return "the file name must not contain percent-encoded '/', '\\' or '.' (it looks encoded twice)";
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "the file name is too long: at most " + MAX_BYTES + " bytes in UTF-8";
        }
        return null;
    }
}

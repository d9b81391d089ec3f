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

    /**
     * Control, format, separator (line/paragraph), private-use and unassigned characters, and
     * Unicode's default-ignorable code points (rendered as nothing: variation selectors, fillers,
     * tag characters, the combining grapheme joiner, ...): a name must look like what it is.
     */
    static boolean isInvisible(int cp) {
        int type = Character.getType(cp);
        if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
                || type == Character.SURROGATE) {
            return true;
        }
        // Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) beyond the format characters above.
        return cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5 || cp == 0x3164 || cp == 0xFFA0
                || (cp >= 0x180B && cp <= 0x180F) || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x2060 && cp <= 0x206F)
                || (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0xE0000 && cp <= 0xE0FFF);
    }

    private static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "the file name is empty";
        }
        if (name.equals(".") || name.equals("..")) {
            return "the file name '" + name + "' is not allowed";
        }
        for (int i = 0; i < name.length(); ) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                return "the file name must not contain '" + c + "': directories are not allowed";
            }
            if (c == 0) {
                return "the file name must not contain a NUL character";
            }
            if (Character.isHighSurrogate(c) && !(i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1)))
                    || Character.isLowSurrogate(c)) {
                return "the file name contains an invalid (unpaired surrogate) character";
            }
            // By code point, so that characters beyond the BMP (tags, musical format marks) are checked too.
            int cp = name.codePointAt(i);
            if (isInvisible(cp)) {
                return String.format("the file name must not contain control or invisible characters (found U+%04X)", cp);
            }
            i += Character.charCount(cp);
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

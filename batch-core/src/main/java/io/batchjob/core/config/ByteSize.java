package io.batchjob.core.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses byte sizes written as a plain number of bytes or with a Kubernetes-style suffix
 * ({@code 512Ki}, {@code 100Mi}, {@code 1Gi}, {@code 10M}).
 */
public final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("([0-9]{1,19})\\s*(Ki|Mi|Gi|Ti|K|M|G|T|k)?");

    private ByteSize() {
    }

    /**
     * @param text e.g. {@code 104857600}, {@code 100Mi}
     * @return the number of bytes, at least 1
     * @throws IllegalArgumentException when the text is not a positive size
     */
    public static long parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a size must not be empty");
        }
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a size; use a number of bytes or a number with Ki, Mi, Gi (powers of 1024) or K, M, G (powers of 1000)");
        }
        long multiplier = multiplier(m.group(2));
        long number;
        try {
            number = Long.parseLong(m.group(1));
            long bytes = Math.multiplyExact(number, multiplier);
            if (bytes < 1) {
                throw new IllegalArgumentException("a size must be at least 1 byte");
            }
            return bytes;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }

    /** Human-readable form for messages ({@code 100Mi}, {@code 1536 bytes}). */
    public static String format(long bytes) {
        String[] units = {"Ti", "Gi", "Mi", "Ki"};
        long[] sizes = {1L << 40, 1L << 30, 1L << 20, 1L << 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes >= sizes[i] && bytes % sizes[i] == 0) {
                return bytes / sizes[i] + units[i];
            }
        }
        return bytes + " bytes";
    }

    private static long multiplier(String suffix) {
        if (suffix == null) {
            return 1;
        }
        return switch (suffix.toLowerCase(Locale.ROOT)) {
            case "ki" -> 1L << 10;
            case "mi" -> 1L << 20;
            case "gi" -> 1L << 30;
            case "ti" -> 1L << 40;
            case "k" -> 1_000L;
            case "m" -> 1_000_000L;
            case "g" -> 1_000_000_000L;
            case "t" -> 1_000_000_000_000L;
            default -> throw new IllegalStateException(suffix);
        };
    }
}

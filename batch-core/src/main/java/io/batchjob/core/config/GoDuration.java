package io.batchjob.core.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations written as Go's {@code time.ParseDuration} accepts them ({@code 10s},
 * {@code 1m30s}, {@code 1.5h}, {@code 300ms}), so that ConfigMaps written for the Go controller
 * keep their meaning. A bare integer is a number of nanoseconds, as when the Go controller
 * unmarshalled a YAML number into a {@code time.Duration}.
 */
public final class GoDuration {

    private static final Pattern WHOLE = Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)");
    private static final Pattern SHAPE = Pattern.compile("(?:[0-9]*(?:\\.[0-9]*)?(?:ns|us|µs|μs|ms|s|m|h))+");

    private GoDuration() {
    }

    /**
     * Parses a non-negative Go duration.
     *
     * @param text the duration text, e.g. {@code 1m30s}; {@code 0} is allowed
     * @return the duration
     * @throws IllegalArgumentException with a message saying what is allowed
     */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a duration must not be empty; use e.g. 10s, 1m30s or 1h");
        }
        String s = text.strip();
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("a duration must not be negative");
        }
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.chars().allMatch(Character::isDigit)) {
            return ofNanos(new BigDecimal(s));
        }
        if (!SHAPE.matcher(s).matches()) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a duration; use a number with a unit (ns, us, ms, s, m, h), e.g. 10s, 1m30s or 1h");
        }
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher m = WHOLE.matcher(s);
        while (m.find()) {
            String number = m.group(1);
            if (number.isEmpty() || number.equals(".")) {
                throw new IllegalArgumentException("'" + text + "' is not a duration: a unit without a number");
            }
            nanos = nanos.add(new BigDecimal(number).multiply(unitNanos(m.group(2))));
        }
        return ofNanos(nanos);
    }

    /** Formats a duration the way Go prints it ({@code 1h30m0s}, {@code 250ms}), for messages and docs. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            long nanos = d.toNanos();
            if (nanos % 1_000_000 == 0) {
                return nanos / 1_000_000 + "ms";
            }
            if (nanos % 1_000 == 0) {
                return nanos / 1_000 + "us";
            }
            return nanos + "ns";
        }
        StringBuilder sb = new StringBuilder();
        long hours = d.toHours();
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        int minutes = d.toMinutesPart();
        if (hours > 0 || minutes > 0) {
            sb.append(minutes).append('m');
        }
        BigDecimal seconds = BigDecimal.valueOf(d.toSecondsPart())
                .add(BigDecimal.valueOf(d.toNanosPart(), 9)).stripTrailingZeros();
        sb.append(seconds.toPlainString()).append('s');
        return sb.toString();
    }

    private static BigDecimal unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> BigDecimal.ONE;
            case "us", "µs", "μs" -> BigDecimal.valueOf(1_000L);
            case "ms" -> BigDecimal.valueOf(1_000_000L);
            case "s" -> BigDecimal.valueOf(1_000_000_000L);
            case "m" -> BigDecimal.valueOf(60_000_000_000L);
            case "h" -> BigDecimal.valueOf(3_600_000_000_000L);
            default -> throw new IllegalStateException("unit " + unit);
        };
    }

    private static Duration ofNanos(BigDecimal nanos) {
        // Go's durations are int64 nanoseconds: anything larger did not exist there either.
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("duration is too long (more than about 292 years)");
        }
        return Duration.ofNanos(nanos.longValue());
    }
}

package io.batchjob.core.event;

import java.util.List;

/**
 * Formats an event message the way the Go controller's {@code fmt.Sprintf(message, args...)} did,
 * for the verbs jobs use ({@code %s %d %v %q %f %t %x %%}), and never fails: a verb without an
 * argument becomes {@code %!v(MISSING)} and extra arguments are appended as
 * {@code %!(EXTRA type=value, ...)}, exactly as Go prints them. Width and precision flags are
 * accepted and ignored except a precision for {@code %f}.
 */
public final class GoFormat {

    private GoFormat() {
    }

    public static String format(String message, List<?> args) {
        StringBuilder out = new StringBuilder(message.length() + 16);
        int next = 0;
        int i = 0;
        while (i < message.length()) {
            char c = message.charAt(i);
            if (c != '%') {
                out.append(c);
                i++;
                continue;
            }
            int start = i++;
            // flags, width, precision
            int precision = -1;
            while (i < message.length() && "+-# 0".indexOf(message.charAt(i)) >= 0) {
                i++;
            }
            while (i < message.length() && Character.isDigit(message.charAt(i))) {
                i++;
            }
            if (i < message.length() && message.charAt(i) == '.') {
                i++;
                int p = 0;
                while (i < message.length() && Character.isDigit(message.charAt(i))) {
                    p = Math.min(p * 10 + (message.charAt(i++) - '0'), 20);
                }
                precision = p;
            }
            if (i >= message.length()) {
                out.append("%!(NOVERB)");
                break;
            }
            char verb = message.charAt(i++);
            if (verb == '%') {
                out.append('%');
                continue;
            }
            if (next >= args.size()) {
                out.append("%!").append(verb).append("(MISSING)");
                continue;
            }
            out.append(verb(verb, precision, args.get(next++), message.substring(start, i)));
        }
        if (next < args.size()) {
            out.append("%!(EXTRA ");
            for (int a = next; a < args.size(); a++) {
                if (a > next) {
                    out.append(", ");
                }
                Object arg = args.get(a);
                out.append(goType(arg)).append('=').append(plain(arg));
            }
            out.append(')');
        }
        return out.toString();
    }

    private static String verb(char verb, int precision, Object arg, String spec) {
        return switch (verb) {
            case 's', 'v' -> plain(arg);
            case 'q' -> "\"" + plain(arg).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            case 'd' -> arg instanceof Number n && isWhole(n) ? Long.toString(n.longValue()) : bad(verb, arg);
            case 'f', 'g', 'e' -> arg instanceof Number n
                    ? (verb == 'f' ? String.format(java.util.Locale.ROOT, "%." + (precision < 0 ? 6 : precision) + "f", n.doubleValue()) : plain(arg))
                    : bad(verb, arg);
            case 't' -> arg instanceof Boolean b ? b.toString() : bad(verb, arg);
            case 'x' -> arg instanceof Number n && isWhole(n) ? Long.toHexString(n.longValue()) : hex(plain(arg));
            default -> "%!" + verb + "(" + goType(arg) + "=" + plain(arg) + ")";
        };
    }

    private static boolean isWhole(Number n) {
        return n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
                || (n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue()) && Math.abs(n.doubleValue()) < 9.0e15);
    }

    private static String bad(char verb, Object arg) {
        return "%!" + verb + "(" + goType(arg) + "=" + plain(arg) + ")";
    }

    private static String hex(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    private static String plain(Object arg) {
        if (arg == null) {
            return "<nil>";
        }
        if (arg instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e21) {
            return Long.toString(d.longValue());
        }
        return arg.toString();
    }

    private static String goType(Object arg) {
        if (arg == null) {
            return "<nil>";
        }
        if (arg instanceof String) {
            return "string";
        }
        if (arg instanceof Boolean) {
            return "bool";
        }
        if (arg instanceof Number n) {
            return isWhole(n) && !(n instanceof Double || n instanceof Float) ? "int" : "float64";
        }
        return arg.getClass().getSimpleName();
    }
}

package io.batchjob.core.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed, read-only access to the free {@code custom} map of {@code config.yaml}, for embedders
 * and custom implementations. Keys may be dotted paths into nested maps
 * ({@code target.port}). Every accessor fails with a {@link CustomConfigException} that names
 * the full key, what was found and what was expected; the {@code optional...} accessors return
 * empty only when the key is absent (a present value of the wrong type is still an error).
 */
public final class CustomSettings {

    private static final CustomSettings EMPTY = new CustomSettings("custom", Map.of());

    private final String path;
    private final Map<String, Object> values;

    private CustomSettings(String path, Map<String, Object> values) {
        this.path = path;
        this.values = values;
    }

    /** Wraps a map as read from YAML (maps, lists, strings, numbers, booleans, nulls). */
    public static CustomSettings of(Map<String, ?> values) {
        return values == null || values.isEmpty() ? EMPTY : new CustomSettings("custom", deepCopy(values));
    }

    public static CustomSettings empty() {
        return EMPTY;
    }

    /** The map itself (unmodifiable, nested maps and lists too). */
    public Map<String, Object> asMap() {
        return values;
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public boolean contains(String key) {
        return lookup(key).isPresent();
    }

    public String string(String key) {
        return optionalString(key).orElseThrow(() -> missing(key, "a string"));
    }

    public Optional<String> optionalString(String key) {
        return lookup(key).map(v -> {
            if (v instanceof String s) {
                return s;
            }
            throw wrongType(key, v, "a string");
        });
    }

    public int integer(String key) {
        return optionalInteger(key).orElseThrow(() -> missing(key, "an integer"));
    }

    public Optional<Integer> optionalInteger(String key) {
        return optionalLong(key).map(l -> {
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new CustomConfigException(full(key) + ": " + l + " is out of range for an integer");
            }
            return l.intValue();
        });
    }

    public long longValue(String key) {
        return optionalLong(key).orElseThrow(() -> missing(key, "an integer"));
    }

    public Optional<Long> optionalLong(String key) {
        return lookup(key).map(v -> {
            if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                return ((Number) v).longValue();
            }
            if (v instanceof BigInteger big) {
                throw new CustomConfigException(full(key) + ": " + big + " is out of range for an integer");
            }
            throw wrongType(key, v, "an integer");
        });
    }

    public double decimal(String key) {
        return optionalDecimal(key).orElseThrow(() -> missing(key, "a number"));
    }

    public Optional<Double> optionalDecimal(String key) {
        return lookup(key).map(v -> {
            if (v instanceof Number n && !(v instanceof BigDecimal bd && Double.isInfinite(bd.doubleValue()))) {
                return n.doubleValue();
            }
            throw wrongType(key, v, "a number");
        });
    }

    public boolean bool(String key) {
        return optionalBool(key).orElseThrow(() -> missing(key, "true or false"));
    }

    public Optional<Boolean> optionalBool(String key) {
        return lookup(key).map(v -> {
            if (v instanceof Boolean b) {
                return b;
            }
            throw wrongType(key, v, "true or false");
        });
    }

    /** A Go-style duration string ({@code 30s}, {@code 1m30s}). */
    public Duration duration(String key) {
        return optionalDuration(key).orElseThrow(() -> missing(key, "a duration such as 30s"));
    }

    public Optional<Duration> optionalDuration(String key) {
        return optionalString(key).map(s -> {
            try {
                return GoDuration.parse(s);
            } catch (IllegalArgumentException e) {
                throw new CustomConfigException(full(key) + ": " + e.getMessage());
            }
        });
    }

    /** A list whose every element is a string. */
    public List<String> stringList(String key) {
        return optionalStringList(key).orElseThrow(() -> missing(key, "a list of strings"));
    }

    public Optional<List<String>> optionalStringList(String key) {
        return lookup(key).map(v -> {
            if (!(v instanceof List<?> list)) {
                throw wrongType(key, v, "a list of strings");
            }
            List<String> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof String s)) {
                    throw wrongType(key + "[" + i + "]", list.get(i), "a string");
                }
                out.add(s);
            }
            return List.copyOf(out);
        });
    }

    /** A nested map as its own settings; its errors name the full path. */
    public CustomSettings section(String key) {
        return optionalSection(key).orElseThrow(() -> missing(key, "a map"));
    }

    @SuppressWarnings("unchecked")
    public Optional<CustomSettings> optionalSection(String key) {
        return lookup(key).map(v -> {
            if (v instanceof Map<?, ?> m) {
                return new CustomSettings(full(key), (Map<String, Object>) m);
            }
            throw wrongType(key, v, "a map");
        });
    }

    /** A list of maps, each as settings ({@code custom.targets[0]}, ...). */
    @SuppressWarnings("unchecked")
    public List<CustomSettings> sectionList(String key) {
        Object v = lookup(key).orElseThrow(() -> missing(key, "a list of maps"));
        if (!(v instanceof List<?> list)) {
            throw wrongType(key, v, "a list of maps");
        }
        List<CustomSettings> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw wrongType(key + "[" + i + "]", list.get(i), "a map");
            }
            out.add(new CustomSettings(full(key) + "[" + i + "]", (Map<String, Object>) m));
        }
        return List.copyOf(out);
    }

    private Optional<Object> lookup(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        Object current = values;
        for (String part : key.split("\\.", -1)) {
            if (!(current instanceof Map<?, ?> map)) {
                throw new CustomConfigException(full(key) + ": expected a map on the way to this key, found " + describe(current));
            }
            current = map.get(part);
            if (current == null) {
                return Optional.empty();
            }
        }
        return Optional.of(current);
    }

    private String full(String key) {
        return path + "." + key;
    }

    private CustomConfigException missing(String key, String expected) {
        return new CustomConfigException(full(key) + " is required: set it to " + expected + " in the custom section of config.yaml");
    }

    private CustomConfigException wrongType(String key, Object found, String expected) {
        return new CustomConfigException(full(key) + ": expected " + expected + " but found " + describe(found));
    }

    private static String describe(Object v) {
        if (v == null) {
            return "nothing";
        }
        if (v instanceof String s) {
            return "string \"" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "\"";
        }
        if (v instanceof Boolean b) {
            return "boolean " + b;
        }
        if (v instanceof Number n) {
            return "number " + n;
        }
        if (v instanceof Map<?, ?>) {
            return "a map";
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        return v.getClass().getSimpleName();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, ?> in) {
        Map<String, Object> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k, copyValue(v)));
        return Collections.unmodifiableMap(out);
    }

    @SuppressWarnings("unchecked")
    private static Object copyValue(Object v) {
        if (v instanceof Map<?, ?> m) {
            return deepCopy((Map<String, ?>) m);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(e -> out.add(copyValue(e)));
            return Collections.unmodifiableList(out);
        }
        return v;
    }

    @Override
    public String toString() {
        return path + "=" + values;
    }
}

package io.batchjob.app.helm;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Finds what a fabric8 model did not recognise: Jackson puts unknown fields into
 * {@code additionalProperties} instead of failing, so a typo such as {@code imagePullPolicyy} or a
 * field at the wrong level parses "fine". Walking every model object's getters finds them.
 */
public final class TypedObjects {

    private TypedObjects() {
    }

    /** {@code path: [unknown keys]} for every model object below {@code root} with additional properties. */
    public static List<String> unknownFields(Object root) {
        List<String> found = new ArrayList<>();
        walk(root, root.getClass().getSimpleName(), found, 0);
        return found;
    }

    private static void walk(Object o, String path, List<String> found, int depth) {
        if (o == null || depth > 40) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", found, depth + 1);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, found, depth + 1));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : o.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(o);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    found.add(path + ": " + extra.keySet());
                }
            } else {
                walk(value, path + "." + Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4), found, depth + 1);
            }
        }
    }
}

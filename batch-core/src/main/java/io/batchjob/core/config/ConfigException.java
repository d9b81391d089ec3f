package io.batchjob.core.config;

import java.util.List;

/**
 * The configuration cannot be used. The message names the source (e.g. the ConfigMap), every
 * offending key, its value and what is allowed, one problem per line.
 */
public class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super(message(source, problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String message) {
        super(message);
        this.problems = List.of(message);
    }

    /** Each problem on its own, e.g. {@code key 'podPoolSize': value -1 is invalid: must be at least 1}. */
    public List<String> problems() {
        return problems;
    }

    private static String message(String source, List<String> problems) {
        if (problems.size() == 1) {
            return "invalid configuration in " + source + ": " + problems.get(0);
        }
        StringBuilder sb = new StringBuilder("invalid configuration in ").append(source)
                .append(" (").append(problems.size()).append(" problems):");
        for (String p : problems) {
            sb.append("\n  - ").append(p);
        }
        return sb.toString();
    }
}

package io.batchjob.testkit;

import io.batchjob.testkit.browser.Chromium;
import org.junit.jupiter.api.Assumptions;

/**
 * The one place that decides what a missing test tool (the test API server, Chromium, promtool,
 * kubectl, an HTTP client) means: under {@code CI=true} (which {@code .ci/run} exports) a failure,
 * elsewhere a skip whose reason says how to get the tool — never a silent "Tests run: 0".
 */
public final class Tools {

    private Tools() {
    }

    /** Whether this is a CI run: {@code CI=true}. */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The reason a test is skipped for: {@code skipped: <tool> is missing; <how to get it>}. */
    public static String skipReason(String tool, String howToGetIt) {
        return "skipped: " + tool + " is missing; " + howToGetIt;
    }

    /**
     * Ends the calling test because {@code tool} is missing: fails it under CI, skips it elsewhere
     * with the reason.
     */
    public static void missing(String tool, String howToGetIt) {
        if (ci()) {
            throw new AssertionError(tool + " is missing, and CI must provide it: " + howToGetIt);
        }
        Assumptions.abort(skipReason(tool, howToGetIt));
    }
}

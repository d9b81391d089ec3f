package io.batchjob.k8s;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Job pod names: {@code <name>-job-<first DNS label of node>-<executionID>} as in the Go
 * controller, kept unique and valid. A node name with more than one label (where two nodes could
 * share their first label, e.g. {@code worker-1.zone-a} and {@code worker-1.zone-b}) gets a short
 * hash of the full node name; a name that would pass 63 characters (the pod's host name) has its
 * node part shortened, also with the hash.
 */
public final class PodNames {

    static final int MAX = 63;

    private PodNames() {
    }

    /**
     * The pod of a node's attempt: the first has the Go controller's name, a later one ({@code jobRetries})
     * ends in {@code -r<attempt>} after the execution ID, kept within the same limits.
     */
    public static String of(String controller, String node, String executionId, int attempt) {
        return of(controller, node, attempt <= 1 ? executionId : executionId + "-r" + attempt);
    }

    public static String of(String controller, String node, String executionId) {
        String lowerNode = node.toLowerCase(Locale.ROOT);
        int dot = lowerNode.indexOf('.');
        String label = dot < 0 ? lowerNode : lowerNode.substring(0, dot);
        String name = controller + "-job-" + label + (dot < 0 ? "" : "-" + hash(node)) + "-" + executionId;
        if (name.length() <= MAX) {
            return name;
        }
        String hash = hash(node);
        int room = MAX - (controller.length() + "-job-".length() + 1 + hash.length() + 1 + executionId.length());
        String shortLabel = label.substring(0, Math.max(0, Math.min(label.length(), room)));
        while (shortLabel.endsWith("-")) {
            shortLabel = shortLabel.substring(0, shortLabel.length() - 1);
        }
        // A very long controller name may still pass 63: still a valid pod name (up to 253).
        return controller + "-job-" + (shortLabel.isEmpty() ? "" : shortLabel + "-") + hash + "-" + executionId;
    }

    private static String hash(String node) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(node.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 3);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

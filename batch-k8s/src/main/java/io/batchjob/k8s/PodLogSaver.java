package io.batchjob.k8s;

import io.batchjob.core.report.ReportStore;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code savePodLog}: every container's and init container's log of an ended job pod, read through
 * the API ({@code pods/log}), saved as {@code <node>-container-<container>.log} (a later attempt's as
 * {@code <node>-container-<container>-attempt<n>.log}) with every job secret redacted — logs are
 * served to anyone who can reach the report server, and scripts print their environment, whose URLs
 * carry the secret.
 *
 * <p>Called on the backend's event thread, one pod at a time.
 */
final class PodLogSaver {

    private static final Logger LOG = LoggerFactory.getLogger(PodLogSaver.class);
    static final String REDACTED = "[redacted]";
    /** Base64 runs long enough to hold "x:" and a secret (43 characters) once encoded. */
    private static final Pattern BASE64_TOKEN = Pattern.compile("[A-Za-z0-9+/]{16,}={0,2}");

    private final KubernetesClient client;
    private final String namespace;
    private final ReportStore store;

    PodLogSaver(KubernetesClient client, String namespace, ReportStore store) {
        this.client = client;
        this.namespace = namespace;
        this.store = store;
    }

    /** Saves the pod's logs into its execution's directory; a container whose log cannot be read is logged and left out. */
    void save(String executionId, String node, int attempt, Pod pod, Collection<String> secrets) {
        for (Container c : JobPodFactory.allContainers(pod.getSpec())) {
            try {
                String log = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).inContainer(c.getName()).getLog();
                if (log != null) {
                    // A later attempt's log beside the first's (which keeps the Go controller's name).
                    store.write(executionId, node + "-container-" + c.getName() + (attempt > 1 ? "-attempt" + attempt : "") + ".log",
                            redact(log, secrets).getBytes(StandardCharsets.UTF_8));
                }
            } catch (RuntimeException e) {
                LOG.warn("cannot save the log of container {} of pod {}: {}", c.getName(), pod.getMetadata().getName(), e.toString());
            }
        }
    }

    /** The text with every secret (and its Basic-credentials form) replaced by {@value #REDACTED}. */
    static String redact(String text, Collection<String> secrets) {
        List<String> real = secrets.stream().filter(s -> s != null && s.length() >= 8).toList(); // short strings are never secrets
        if (real.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : real) {
            out = out.replace(secret, REDACTED);
        }
        // Basic credentials carry the secret base64-encoded with any user name ("job:", "<node>:", ...): every
        // base64 token that decodes to text containing a secret goes too.
        Matcher m = BASE64_TOKEN.matcher(out);
        StringBuilder sb = new StringBuilder(out.length());
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(decodesToASecret(m.group(), real) ? REDACTED : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static boolean decodesToASecret(String token, List<String> secrets) {
        try {
            String decoded = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
            return secrets.stream().anyMatch(decoded::contains);
        } catch (IllegalArgumentException e) {
            return false; // not base64 after all
        }
    }
}

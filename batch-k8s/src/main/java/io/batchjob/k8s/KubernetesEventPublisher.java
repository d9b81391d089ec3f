package io.batchjob.k8s;

import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobEventPublisher;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.UUID;

/**
 * Creates {@code events.k8s.io/v1} Events about a job's pod as the Go controller's recorder did:
 * {@code regarding} and {@code related} both the pod (with its uid, which {@code kubectl describe}
 * selects on), the job's {@code action} or {@code n/a} when it gave none (the API requires one),
 * reporting controller the configured {@code name} and reporting instance
 * {@code <name>-<HOSTNAME>}. The note is cut to the API's limit of {@value #NOTE_LIMIT_BYTES} bytes
 * of UTF-8 (not characters) on a character boundary.
 */
public final class KubernetesEventPublisher implements JobEventPublisher {

    /** The API server's limit of {@code note}, in bytes. */
    static final int NOTE_LIMIT_BYTES = 1024;
    private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX", Locale.ROOT);

    private final KubernetesClient client;
    private final String namespace;
    private final String controllerName;
    private final String instance;
    private final Clock clock;

    /** The action of an Event whose job named none, as the Go controller's {@code eventActionNotAvailable}. */
    public static final String NO_ACTION = "n/a";

    /**
     * @param hostname this controller's pod name ({@code HOSTNAME}); the reporting instance is
     *                 {@code <controllerName>-<hostname>}, as in the Go controller
     */
    public KubernetesEventPublisher(KubernetesClient client, String namespace, String controllerName, String hostname, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.controllerName = controllerName;
        this.instance = reportingInstance(controllerName, hostname);
        this.clock = clock;
    }

    /** {@code <name>-<hostname>} (the Go controller's), cut to the API's 128 characters; the name alone without a hostname. */
    static String reportingInstance(String controllerName, String hostname) {
        String instance = hostname == null || hostname.isBlank() ? controllerName : controllerName + "-" + hostname;
        return instance.length() <= 128 ? instance : instance.substring(0, 128);
    }

    @Override
    public void publish(JobEvent event) throws JobEventException {
        String podName = PodNames.of(controllerName, event.node(), event.executionId(), event.attempt());
        try {
            Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
            ObjectReference ref = new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod").withNamespace(namespace).withName(podName)
                    .withUid(pod == null ? null : pod.getMetadata().getUid()).build();
            publishAbout(ref, ref, event.warning(), event.reason(), event.message(), event.action());
        } catch (KubernetesClientException e) {
            throw new JobEventException("the API server refused the event (" + e.getCode() + "): "
                    + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage()), e);
        }
    }

    /**
     * Creates an Event about any object of the namespace (a job pod, the controller's ConfigMap).
     *
     * @throws KubernetesClientException when the API server refuses it
     */
    public void publishAbout(ObjectReference regarding, boolean warning, String reason, String note, String action) {
        publishAbout(regarding, null, warning, reason, note, action);
    }

    /**
     * As {@link #publishAbout(ObjectReference, boolean, String, String, String)}, with a {@code related}
     * object (may be null).
     */
    public void publishAbout(ObjectReference regarding, ObjectReference related, boolean warning, String reason, String note, String action) {
        Event e = new EventBuilder()
                .withNewMetadata().withName(regarding.getName() + "." + UUID.randomUUID().toString().substring(0, 8)).withNamespace(namespace).endMetadata()
                .withType(warning ? "Warning" : "Normal")
                .withReason(reason)
                .withNote(truncateUtf8(printable(note), NOTE_LIMIT_BYTES))
                .withAction(action)
                .withRegarding(regarding)
                .withRelated(related)
                .withReportingController(controllerName)
                .withReportingInstance(instance)
                .withEventTime(new MicroTime(MICRO.format(clock.instant().atOffset(java.time.ZoneOffset.UTC))))
                .build();
        client.resource(e).create();
    }

    KubernetesClient client() {
        return client;
    }

    String namespace() {
        return namespace;
    }

    /** The ConfigMap of this namespace, with its uid when it can be read (what {@code kubectl describe} selects Events on). */
    public ObjectReference configMapReference(String name) {
        String uid = uidOf(() -> client.configMaps().inNamespace(namespace).withName(name).get());
        return new ObjectReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withNamespace(namespace).withName(name)
                .withUid(uid).build();
    }

    /** The Lease of this namespace, with its uid when it can be read. */
    public ObjectReference leaseReference(String name) {
        String uid = uidOf(() -> client.leases().inNamespace(namespace).withName(name).get());
        return new ObjectReferenceBuilder().withApiVersion("coordination.k8s.io/v1").withKind("Lease").withNamespace(namespace)
                .withName(name).withUid(uid).build();
    }

    private static String uidOf(java.util.function.Supplier<? extends io.fabric8.kubernetes.api.model.HasMetadata> get) {
        try {
            io.fabric8.kubernetes.api.model.HasMetadata o = get.get();
            return o == null ? null : o.getMetadata().getUid();
        } catch (KubernetesClientException e) {
            return null; // the Event still names the object; only describe's uid match is lost
        }
    }

    /**
     * The note as {@code kubectl describe} and dashboards can show it safely: control characters
     * (newlines included: they would forge lines of the output) and bidirectional overrides (they
     * reorder what a reader sees) are written as {@code \\uXXXX} / {@code \\n} escapes.
     */
    static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escape = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                    : Character.isISOControl(c) || isBidiControl(c) ? String.format("\\u%04X", (int) c) : null;
            if (escape != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (escape != null) {
                    out.append(escape);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }

    private static boolean isBidiControl(char c) {
        return c == '\u061C' || c == '\u200E' || c == '\u200F' || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');
    }

    /** At most {@code maxBytes} of UTF-8, ending in "..." when cut, never inside a character (or a surrogate pair). */
    static String truncateUtf8(String text, int maxBytes) {
        if (text.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return text;
        }
        int budget = maxBytes - 3;
        int end = 0;
        int bytes = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > budget) {
                break;
            }
            bytes += size;
            end += Character.charCount(cp);
        }
        return text.substring(0, end) + "...";
    }
}

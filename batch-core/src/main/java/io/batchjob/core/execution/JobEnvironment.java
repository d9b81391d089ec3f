package io.batchjob.core.execution;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.spi.JobEnvContributor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Builds the environment every job gets (the job pod contract): {@code NAMESPACE},
 * {@code NODE_NAME}, {@code EXECUTION_ID}, {@code CALLBACK_SERVICE_NAME} (the callback host),
 * {@code CALLBACK_SERVICE_PORT}, the three {@code CALLBACK_SERVICE_*_URL}s and, with token
 * authentication, {@code CALLBACK_TOKEN}; then what {@link JobEnvContributor}s add.
 *
 * <p>With token authentication the URLs carry the job's secret in the path
 * ({@code http://host:port/job/<secret>/report/...}): every common HTTP client (curl, wget, busybox
 * wget, Python urllib and requests, Node fetch and http, Java HttpClient and HttpURLConnection,
 * Go net/http) sends a path as it is, so scripts written for the Go controller (which only use
 * these URLs and may append {@code ?name=...}) keep working unchanged. User info in the URL would
 * not do: urllib, fetch and Java's HttpClient drop or refuse it. Thread-safe.
 */
public final class JobEnvironment {

    public static final String NAMESPACE = "NAMESPACE";
    public static final String NODE_NAME = "NODE_NAME";
    public static final String EXECUTION_ID = "EXECUTION_ID";
    public static final String CALLBACK_SERVICE_NAME = "CALLBACK_SERVICE_NAME";
    public static final String CALLBACK_SERVICE_PORT = "CALLBACK_SERVICE_PORT";
    public static final String CALLBACK_SERVICE_RESULT_URL = "CALLBACK_SERVICE_RESULT_URL";
    public static final String CALLBACK_SERVICE_FILE_URL = "CALLBACK_SERVICE_FILE_URL";
    public static final String CALLBACK_SERVICE_EVENT_URL = "CALLBACK_SERVICE_EVENT_URL";
    public static final String CALLBACK_TOKEN = "CALLBACK_TOKEN";

    /** Names no contributor and no template may set. */
    public static final Set<String> RESERVED = Set.of(NAMESPACE, NODE_NAME, EXECUTION_ID, CALLBACK_SERVICE_NAME,
            CALLBACK_SERVICE_PORT, CALLBACK_SERVICE_RESULT_URL, CALLBACK_SERVICE_FILE_URL, CALLBACK_SERVICE_EVENT_URL,
            CALLBACK_TOKEN);

    private static final Logger LOG = LoggerFactory.getLogger(JobEnvironment.class);
    // Kubernetes' rule for env var names.
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

    private final String namespace;
    private final CallbackEndpoint endpoint;
    private final CallbackAuth auth;
    private final List<JobEnvContributor> contributors;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    public JobEnvironment(String namespace, CallbackEndpoint endpoint, CallbackAuth auth, List<JobEnvContributor> contributors) {
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.auth = Objects.requireNonNull(auth, "auth");
        this.contributors = List.copyOf(contributors);
    }

    /** The callback endpoint the URLs point at. */
    public CallbackEndpoint endpoint() {
        return endpoint;
    }

    /**
     * @return the job's environment, standard variables first, in a stable order
     */
    public Map<String, String> build(String executionId, String node, String secret) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(NAMESPACE, namespace);
        env.put(NODE_NAME, node);
        env.put(EXECUTION_ID, executionId);
        env.put(CALLBACK_SERVICE_NAME, endpoint.urlHost());
        env.put(CALLBACK_SERVICE_PORT, Integer.toString(endpoint.port()));
        String pathSecret = auth == CallbackAuth.TOKEN ? secret : null;
        env.put(CALLBACK_SERVICE_RESULT_URL, endpoint.url(pathSecret, node, executionId, "result"));
        env.put(CALLBACK_SERVICE_FILE_URL, endpoint.url(pathSecret, node, executionId, "file"));
        env.put(CALLBACK_SERVICE_EVENT_URL, endpoint.url(pathSecret, node, executionId, "event"));
        if (auth == CallbackAuth.TOKEN) {
            env.put(CALLBACK_TOKEN, secret);
        }
        for (JobEnvContributor c : contributors) {
            Map<String, String> extra = c.environment(executionId, node);
            if (extra == null) {
                continue;
            }
            extra.forEach((name, value) -> {
                if (RESERVED.contains(name)) {
                    warnOnce(c, name, "is reserved for the job pod contract and cannot be overridden");
                } else if (name == null || !ENV_NAME.matcher(name).matches()) {
                    warnOnce(c, String.valueOf(name), "is not a valid environment variable name");
                } else if (value == null) {
                    warnOnce(c, name, "has no value");
                } else {
                    env.put(name, value);
                }
            });
        }
        return env;
    }

    private void warnOnce(JobEnvContributor c, String name, String why) {
        if (warned.add(c.getClass().getName() + "/" + name)) {
            LOG.warn("environment variable {} from {} is ignored: it {}", name, c.getClass().getName(), why);
        }
    }
}

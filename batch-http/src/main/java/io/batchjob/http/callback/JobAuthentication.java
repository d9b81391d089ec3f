package io.batchjob.http.callback;

import io.batchjob.core.config.CallbackAuth;
import io.batchjob.core.execution.JobCallbacks;
import io.batchjob.core.execution.UnknownJobException;
import io.batchjob.core.report.FileNames;
import io.batchjob.core.report.ReportStore;
import io.batchjob.http.HttpProblem;
import io.batchjob.http.PlainText;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Checks a callback's job before any body is read: the path values (400), the job's own secret with
 * {@code callbackAuth: token} (401, credentials first: a caller without them learns nothing about
 * executions or nodes), and that the job runs (406, as the Go controller; let through in dev mode).
 */
final class JobAuthentication implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(JobAuthentication.class);
    private static final String CHALLENGE = "Basic realm=\"batch-job-controller callbacks\"";

    private final JobCallbacks callbacks;
    private final CallbackSettings settings;
    private final HttpHandler next;

    JobAuthentication(JobCallbacks callbacks, CallbackSettings settings, HttpHandler next) {
        this.callbacks = callbacks;
        this.settings = settings;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        CallbackJob job = CallbackJob.of(exchange);
        String node = job.node();
        String executionId = job.executionId();
        if (node == null || !FileNames.isSafe(node) || node.startsWith(".") || node.startsWith("_")) {
            throw new HttpProblem(400, "invalid node name '" + PlainText.printable(node) + "'");
        }
        if (!ReportStore.isExecutionId(executionId)) {
            throw new HttpProblem(406, "execution " + PlainText.printable(executionId) + " is not running: execution IDs are numbers");
        }
        if (settings.auth() == CallbackAuth.TOKEN) {
            Optional<String> secret = job.pathSecret().or(() -> Credentials.presentedSecret(exchange));
            if (secret.isEmpty()) {
                exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, CHALLENGE);
                throw new HttpProblem(401, "missing credentials: call the URL from CALLBACK_SERVICE_*_URL as it is "
                        + "(it carries the job's secret) or send 'Authorization: Bearer $CALLBACK_TOKEN'");
            }
            if (!callbacks.verifySecret(executionId, node, secret.get())) {
                exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, CHALLENGE);
                throw new HttpProblem(401, "invalid credentials: each job may only use its own CALLBACK_TOKEN, on its own"
                        + " URLs, and only while it runs");
            }
        }
        try {
            // Without token auth, as the Go controller: 406 for an unknown execution or node.
            callbacks.checkAcceptsCallbacks(executionId, node);
        } catch (UnknownJobException e) {
            if (!settings.devMode()) {
                throw e;
            }
            LOG.info("dev mode: accepting a callback for an unknown job: {}", e.getMessage());
        }
        next.handleRequest(exchange);
    }
}

package io.batchjob.testkit.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.InetAddress;
import java.util.HashMap;

/**
 * fabric8's CRUD mock API server on loopback, taught three things a real API server does and the
 * controller relies on: a server-side dry run ({@code ?dryRun=All}) is answered without storing
 * anything (the plain mock stores the object), watch closes run off the event loop
 * ({@link NonBlockingWatchClose}), and a JSON patch whose {@code test} fails is answered 422.
 * Subclass it to add answers of your own (call {@code super}).
 */
public class MockApiServer extends KubernetesCrudDispatcher implements AutoCloseable {

    private KubernetesMockServer server;
    private KubernetesClient client;

    /** Starts the server on a free loopback port. */
    public MockApiServer start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), this, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
        return this;
    }

    public KubernetesMockServer server() {
        return server;
    }

    /** A client of the server (closed with it). */
    public KubernetesClient client() {
        return client;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        if (!"GET".equals(request.getMethod()) && !"DELETE".equals(request.getMethod()) && path != null
                && path.matches(".*[?&]dryRun=All(&.*)?")) {
            // Validated, not stored: the object as sent comes back.
            return new MockResponse().setResponseCode("POST".equals(request.getMethod()) ? 201 : 200).setBody(request.getBody().readUtf8());
        }
        try {
            return super.dispatch(request);
        } catch (io.fabric8.zjsonpatch.JsonPatchException e) {
            // A JSON patch whose "test" fails: the real API server answers 422; the plain mock never answers.
            return new MockResponse().setResponseCode(422).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                    + "\"reason\":\"Invalid\",\"code\":422,\"message\":\"the JSON patch failed: " + e.getMessage().replace("\"", "'") + "\"}");
        }
    }

    @Override
    public MockResponse handleWatch(String path) {
        return NonBlockingWatchClose.of(this, super.handleWatch(path));
    }

    @Override
    public void close() {
        if (client != null) {
            client.close(); // before the server (fabric8 kubernetes-client #7747)
        }
        if (server != null) {
            server.destroy();
        }
    }
}

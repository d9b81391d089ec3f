package io.batchjob.bench;

import io.batchjob.testkit.k8s.MockApiServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * fabric8's CRUD mock API server on loopback that counts its requests and the time it spends
 * answering them (summed over its threads), so a benchmark can show the controller's own share.
 * GETs of the paths in {@code fixedGets} are answered from a fixed document: the CRUD mock scans its
 * whole store on every request, and thousands of nodes in it would make every pod request pay for
 * them. Dry runs and watch closes as {@link MockApiServer} handles them.
 */
final class TimedMockApiServer extends MockApiServer {

    final AtomicLong nanosInside = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    /** Requests by method and path without query and object name ("POST /api/v1/namespaces/bench/pods"). */
    final Map<String, AtomicLong> byKind = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, String> fixedGets;

    TimedMockApiServer(Map<String, String> fixedGets) {
        this.fixedGets = Map.copyOf(fixedGets);
        start();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        long t0 = System.nanoTime();
        try {
            String fixed = "GET".equals(request.getMethod()) ? fixedGets.get(request.getPath()) : null;
            return fixed != null ? new MockResponse().setResponseCode(200).setBody(fixed) : super.dispatch(request);
        } finally {
            nanosInside.addAndGet(System.nanoTime() - t0);
            requests.incrementAndGet();
            String path = request.getPath() == null ? "" : request.getPath().replaceAll("\\?.*", "")
                    .replaceAll("/(pods|nodes|configmaps|leases|events)/[^/]+", "/$1/{name}");
            byKind.computeIfAbsent(request.getMethod() + " " + path, k -> new AtomicLong()).incrementAndGet();
        }
    }
}

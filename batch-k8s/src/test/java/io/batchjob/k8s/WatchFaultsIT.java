package io.batchjob.k8s;

import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.spi.JobOutcome;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.testkit.k8s.SimulatedKubelet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pod watch of the backend is dropped, or expires with 410 Gone, while jobs run: the informer
 * re-watches or re-lists, and no job end is lost and no pod created twice.
 */
class WatchFaultsIT {

    /**
     * The CRUD dispatcher, keeping hold of the controller's open pod watches so a test can break
     * them, and answering the next watches with 410 Gone when asked.
     */
    static final class FaultyDispatcher extends KubernetesCrudDispatcher {
        final AtomicInteger expiries = new AtomicInteger();
        final AtomicInteger watches = new AtomicInteger();
        final List<WebSocket> open = new CopyOnWriteArrayList<>();

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            boolean controllerPodWatch = path.contains("/pods?") && path.contains("watch=true") && path.contains("labelSelector=");
            if (!controllerPodWatch) {
                return super.dispatch(request);
            }
            watches.incrementAndGet();
            if (expiries.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
                    @Override
                    public void onOpen(WebSocket ws, Response response) {
                        ws.send("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                + "\"message\":\"too old resource version\",\"reason\":\"Expired\",\"code\":410}}");
                        ws.close(1000, "expired");
                    }
                });
            }
            MockResponse crud = super.dispatch(request);
            WebSocketListener inner = crud.getWebSocketListener();
            if (inner == null) {
                return crud;
            }
            return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
                @Override
                public void onBeforeAccept(WebSocket ws, Response r) {
                    inner.onBeforeAccept(ws, r);
                }

                @Override
                public void onOpen(WebSocket ws, Response r) {
                    open.add(ws);
                    inner.onOpen(ws, r);
                }

                @Override
                public void onMessage(WebSocket ws, String text) {
                    inner.onMessage(ws, text);
                }

                @Override
                public void onClosing(WebSocket ws, int code, String reason) {
                    open.remove(ws);
                    inner.onClosing(ws, code, reason);
                }

                @Override
                public void onClosed(WebSocket ws, int code, String reason) {
                    open.remove(ws);
                    inner.onClosed(ws, code, reason);
                }

                @Override
                public void onFailure(WebSocket ws, Throwable t, Response r) {
                    open.remove(ws);
                    inner.onFailure(ws, t, r);
                }
            });
        }

        /** Closes every open watch of the controller, as a restarting API server or a proxy would. */
        void dropWatches() {
            for (WebSocket ws : open) {
                ws.close(1001, "going away");
            }
            open.clear();
        }
    }

    private final FaultyDispatcher dispatcher = new FaultyDispatcher();
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dropped", "expired"})
    void noJobEndIsLostAndNoPodIsCreatedTwice(String fault) throws Exception {
        LoadedConfig loaded = ConfigLoader.load("name: scan", JobPodFactoryTest.TEMPLATE, "test");
        List<String> ended = new CopyOnWriteArrayList<>();
        try (KubernetesJobBackend backend = new KubernetesJobBackend(client, "jobs", "scan",
                new JobPodFactory(loaded.config(), loaded.podTemplate(), "jobs", null), Duration.ofSeconds(5), null);
             SimulatedKubelet kubelet = new SimulatedKubelet(server.createClient(), "jobs", p -> SimulatedKubelet.Behaviour.HOLD_RUNNING).start()) {
            backend.start(Duration.ofSeconds(60));
            for (int i = 1; i <= 4; i++) {
                String node = "worker-" + i;
                backend.launch(new JobRequest("100", node, "s", Map.of(), Duration.ofMinutes(5)), end -> {
                    assertThat(end.outcome()).isEqualTo(JobOutcome.SUCCEEDED);
                    ended.add(node);
                });
            }
            await().until(() -> client.pods().inNamespace("jobs").list().getItems().stream()
                    .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).count() == 4);
            int watchesBefore = dispatcher.watches.get();

            // The watch breaks (and, for "expired", the next one answers 410 Gone); meanwhile two pods end.
            assertThat(dispatcher.open).isNotEmpty();
            if (fault.equals("expired")) {
                dispatcher.expiries.set(1);
            }
            dispatcher.dropWatches();
            kubelet.finish(PodNames.of("scan", "worker-1", "100"), 0);
            kubelet.finish(PodNames.of("scan", "worker-2", "100"), 0);
            await().until(() -> dispatcher.watches.get() >= watchesBefore + (fault.equals("expired") ? 2 : 1));
            kubelet.finish(PodNames.of("scan", "worker-3", "100"), 0);
            kubelet.finish(PodNames.of("scan", "worker-4", "100"), 0);

            await().atMost(Duration.ofSeconds(30)).until(() -> ended.size() == 4);
            assertThat(ended).containsExactlyInAnyOrder("worker-1", "worker-2", "worker-3", "worker-4");
            assertThat(client.pods().inNamespace("jobs").list().getItems()).hasSize(4);
        }
    }
}

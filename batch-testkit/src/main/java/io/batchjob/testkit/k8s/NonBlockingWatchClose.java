package io.batchjob.testkit.k8s;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;

import java.lang.reflect.Field;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Works around a stall of fabric8's mock API server (7.9): when a client closes a watch, the
 * mock's {@code WatchEventsListener.onClosed} waits, on the Vert.x event loop, for that watch's
 * pending event sends, and each send waits up to 30 s for that same event loop. Every request on
 * the loop stalls for 30-60 s; fabric8 informers close their watches every 5-10 minutes, so a
 * busy long-running mock (the sandbox, benchmarks) eventually stops answering long enough for a
 * controller to lose its Lease. Running the close callbacks on their own thread lets the loop
 * finish the sends. The closed watch is first taken out of the dispatcher's listeners (on the loop,
 * then a pass through the dispatcher's write lock, under which every event is fanned out), so no
 * write can schedule an event on the watch's executor after the mock shut it down - which would
 * leave that write's request without an answer. Both are private fields of the mock, reached by
 * reflection; if they are missing (another fabric8 version) the close runs as the mock does it.
 * Use from a {@code KubernetesCrudDispatcher} subclass:
 * {@code public MockResponse handleWatch(String path) { return NonBlockingWatchClose.of(this, super.handleWatch(path)); }}
 */
public final class NonBlockingWatchClose {

    private static final ExecutorService CLOSER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mock-watch-close");
        t.setDaemon(true);
        return t;
    });

    private NonBlockingWatchClose() {
    }

    /** The same response, its WebSocket listener's close callbacks moved off the event loop. */
    public static MockResponse of(KubernetesCrudDispatcher dispatcher, MockResponse response) {
        WebSocketListener inner = response.getWebSocketListener();
        Set<?> listeners = field(dispatcher, "watchEventListeners", Set.class);
        ReadWriteLock lock = field(dispatcher, "lock", ReadWriteLock.class);
        if (inner == null || listeners == null || lock == null) {
            return response;
        }
        Runnable detach = () -> {
            listeners.remove(inner);
            lock.writeLock().lock(); // events fanned out from a snapshot that still held the watch are sent
            lock.writeLock().unlock();
        };
        return response.withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onBeforeAccept(WebSocket webSocket, Response r) {
                inner.onBeforeAccept(webSocket, r);
            }

            @Override
            public void onOpen(WebSocket webSocket, Response r) {
                inner.onOpen(webSocket, r);
            }

            @Override
            public void onMessage(WebSocket webSocket, String text) {
                inner.onMessage(webSocket, text);
            }

            @Override
            public void onMessage(WebSocket webSocket, ByteString bytes) {
                inner.onMessage(webSocket, bytes);
            }

            @Override
            public void onMessage(WebSocket webSocket, byte[] bytes) {
                inner.onMessage(webSocket, bytes);
            }

            @Override
            public void onClosing(WebSocket webSocket, int code, String reason) {
                later(() -> inner.onClosing(webSocket, code, reason));
            }

            @Override
            public void onClosed(WebSocket webSocket, int code, String reason) {
                later(() -> inner.onClosed(webSocket, code, reason));
            }

            @Override
            public void onFailure(WebSocket webSocket, Throwable t, Response r) {
                later(() -> inner.onFailure(webSocket, t, r));
            }

            private void later(Runnable close) {
                listeners.remove(inner);
                CLOSER.execute(() -> {
                    detach.run();
                    close.run();
                });
            }
        });
    }

    private static <T> T field(KubernetesCrudDispatcher dispatcher, String name, Class<T> type) {
        try {
            Field f = KubernetesCrudDispatcher.class.getDeclaredField(name);
            f.setAccessible(true);
            return type.cast(f.get(dispatcher));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}

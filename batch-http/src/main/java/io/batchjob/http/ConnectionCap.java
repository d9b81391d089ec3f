package io.batchjob.http;

import io.undertow.server.AbstractServerConnection;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cap on one listener's open connections that a flood of idle ones cannot use to lock out real
 * clients. Every accepted connection is registered; when the cap is reached, the oldest connection
 * that has never had a request in a handler (idle since it connected, or still sending its first
 * headers) is closed to make room — else, of the connections between requests (a client's kept-alive
 * ones), the one whose last request ended longest ago — and only when every connection is busy is
 * the new one refused. Closed connections found on the way are dropped, and when that makes room
 * nothing is closed at all. So 4,000 idle sockets cost this
 * listener at most {@code max} file descriptors, and a job's result still gets a connection at once.
 *
 * <p>Threading: the accept listener runs on the listener's IO thread(s), {@link #track} on
 * whatever thread runs the exchange; the registry is guarded by this object's lock (short, no I/O
 * under it: connections are closed after it is released).
 */
final class ConnectionCap implements ChannelListener<AcceptingChannel<StreamConnection>> {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCap.class);
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    private final String server;
    private final int max;
    private final ChannelListener<StreamConnection> open;
    /**
     * Open connections, oldest first, with the number of their requests inside a handler ([0]), of
     * their requests so far ([1]) and when the last one ended ([2], nano time).
     */
    private final Map<StreamConnection, long[]> connections = new LinkedHashMap<>();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

    /**
     * @param server for logs
     * @param max    connections this listener keeps open at most
     * @param open   what serves an accepted connection (Undertow's HTTP open listener)
     */
    ConnectionCap(String server, int max, ChannelListener<StreamConnection> open) {
        if (max < 1) {
            throw new IllegalArgumentException("the connection cap must be positive, not " + max);
        }
        this.server = server;
        this.max = max;
        this.open = open;
    }

    @Override
    public void handleEvent(AcceptingChannel<StreamConnection> channel) {
        StreamConnection accepted;
        try {
            while ((accepted = channel.accept()) != null) {
                admit(accepted);
            }
        } catch (IOException e) {
            LOG.debug("{} server: accept failed: {}", server, e.toString());
        }
    }

    private void admit(StreamConnection accepted) {
        StreamConnection victim = null;
        boolean admitted = true;
        boolean warn = false;
        synchronized (this) {
            if (connections.size() >= max) {
                victim = oldestIdle();
                // Closed connections found on the way were dropped: there may be room now without closing any.
                admitted = victim != null || connections.size() < max;
            }
            if (admitted) {
                connections.put(accepted, new long[3]);
            }
            if ((victim != null || !admitted) && System.nanoTime() - lastWarning >= WARN_EVERY_NANOS) {
                lastWarning = System.nanoTime();
                warn = true;
            }
        }
        if (victim != null) {
            evicted.incrementAndGet();
            IoUtils.safeClose(victim);
        }
        if (!admitted) {
            refused.incrementAndGet();
            IoUtils.safeClose(accepted);
        }
        if (warn) {
            LOG.warn("{} server: {} connections open, its cap; closing the oldest idle ones to admit new ones "
                    + "({} closed, {} refused so far: all busy)", server, max, evicted.get(), refused.get());
        }
        if (admitted) {
            open.handleEvent(accepted);
        }
    }

    /**
     * Drops closed connections; returns (and unregisters) the oldest open one that never had a
     * request, else the oldest with no request in a handler now, else null.
     */
    private StreamConnection oldestIdle() {
        StreamConnection keptAlive = null;
        long keptAliveUsed = 0;
        for (Iterator<Map.Entry<StreamConnection, long[]>> it = connections.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<StreamConnection, long[]> e = it.next();
            long[] use = e.getValue();
            if (!e.getKey().isOpen()) {
                it.remove();
            } else if (connections.size() < max) {
                return null; // the closed ones dropped so far made room: nobody needs to go
            } else if (use[1] == 0) {
                it.remove();
                return e.getKey();
            } else if (use[0] == 0 && (keptAlive == null || use[2] - keptAliveUsed < 0)) { // nano times compare by difference
                keptAlive = e.getKey();
                keptAliveUsed = use[2];
            }
        }
        if (keptAlive == null || connections.size() < max) {
            return null;
        }
        connections.remove(keptAlive);
        return keptAlive;
    }

    /** Wraps the server's root handler: a connection with a request in it is busy until the exchange completes. */
    HttpHandler track(HttpHandler next) {
        return exchange -> {
            StreamConnection c = channelOf(exchange);
            long[] busy;
            synchronized (this) {
                busy = c == null ? null : connections.get(c);
                if (busy != null) {
                    busy[0]++;
                    busy[1]++;
                }
            }
            if (busy != null) {
                exchange.addExchangeCompleteListener((ex, nextListener) -> {
                    synchronized (this) {
                        busy[0]--;
                        busy[2] = System.nanoTime();
                    }
                    nextListener.proceed();
                });
            }
            next.handleRequest(exchange);
        };
    }

    private static StreamConnection channelOf(HttpServerExchange exchange) {
        ServerConnection c = exchange.getConnection();
        return c instanceof AbstractServerConnection a ? a.getChannel() : null;
    }

    /** Connections open now (closed ones are counted until the next accept over the cap notices). */
    synchronized int open() {
        List<StreamConnection> closed = new ArrayList<>();
        connections.keySet().forEach(c -> {
            if (!c.isOpen()) {
                closed.add(c);
            }
        });
        closed.forEach(connections::remove);
        return connections.size();
    }

    /** Idle connections closed to admit new ones, since start. */
    long evicted() {
        return evicted.get();
    }

    /** Connections refused because every open one was busy, since start. */
    long refused() {
        return refused.get();
    }
}

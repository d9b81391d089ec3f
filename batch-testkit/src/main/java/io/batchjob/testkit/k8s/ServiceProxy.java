package io.batchjob.testkit.k8s;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A ClusterIP Service as kube-proxy makes it, for tests without a node network: it listens on the
 * Service's cluster IP and port (a loopback address when the API server's service range is in
 * {@code 127.0.0.0/8}) and hands each connection to one ready endpoint, in turn. An endpoint is
 * ready as the chart's readiness probe decides — {@code /readyz} every 10 s, 1 s timeout, three
 * failures to drop it, one success to add it — and leaves at once when its container is gone (the
 * kubelet sees the process exit). A connection to an endpoint that does not accept it is reset, as
 * a client of a real Service would see it.
 */
public final class ServiceProxy implements AutoCloseable {

    /** One replica behind the Service. */
    public record Endpoint(String name, String host, int port, URI readyz, BooleanSupplier alive) {
    }

    static final Duration PROBE_PERIOD = Duration.ofSeconds(10);
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    static final int FAILURE_THRESHOLD = 3;

    private final ServerSocket listener;
    private final List<Endpoint> endpoints;
    private final Set<Endpoint> ready = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Endpoint, Integer> failures = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private final HttpClient probes = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "service-probe"));
    private final ExecutorService pumps = Executors.newCachedThreadPool(r -> daemon(r, "service-proxy"));
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    public ServiceProxy(String clusterIp, int port, List<Endpoint> endpoints) {
        this.endpoints = List.copyOf(endpoints);
        try {
            listener = new ServerSocket();
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(InetAddress.getByName(clusterIp), port), 200);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on the Service address " + clusterIp + ":" + port, e);
        }
        prober.scheduleWithFixedDelay(this::probeAll, 0, PROBE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        pumps.execute(this::acceptLoop);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The endpoints that get connections now. */
    public List<String> readyEndpoints() {
        return endpoints.stream().filter(this::isReady).map(Endpoint::name).toList();
    }

    private boolean isReady(Endpoint e) {
        return ready.contains(e) && e.alive().getAsBoolean();
    }

    private void probeAll() {
        for (Endpoint e : endpoints) {
            boolean ok;
            try {
                ok = e.alive().getAsBoolean() && probes.send(HttpRequest.newBuilder(e.readyz()).timeout(PROBE_TIMEOUT).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException ex) {
                ok = false;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            if (ok) {
                failures.put(e, 0);
                ready.add(e);
            } else if (failures.merge(e, 1, Integer::sum) >= FAILURE_THRESHOLD) {
                ready.remove(e);
            }
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            open.add(client);
            pumps.execute(() -> forward(client));
        }
    }

    private void forward(Socket client) {
        List<Endpoint> candidates = new ArrayList<>(endpoints.stream().filter(this::isReady).toList());
        if (candidates.isEmpty()) {
            reset(client); // no endpoints: the connection is refused
            return;
        }
        Endpoint target = candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(target.host(), target.port()), 1_000);
        } catch (IOException e) {
            closeQuietly(upstream);
            reset(client);
            return;
        }
        open.add(upstream);
        pumps.execute(() -> pump(client, upstream));
        pump(upstream, client);
    }

    private void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // one side went away: the other follows
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // RST, as for a refused connection
        } catch (IOException e) {
            // closed anyway
        }
        closeQuietly(s);
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        open.forEach(this::closeQuietly);
        prober.shutdownNow();
        pumps.shutdownNow();
    }
}

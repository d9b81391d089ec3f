package io.batchjob.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import io.fabric8.kubernetes.client.utils.TokenRefreshInterceptor;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Wraps fabric8's {@link TokenRefreshInterceptor} so that a client without a bearer token (client
 * certificates, as in a kind or kubeadm kubeconfig, or no authentication) does not re-read its whole
 * configuration — environment, kubeconfig file, service account files — on <em>every</em> request.
 * The interceptor refreshes once a minute, but it only remembers a refresh that found a token: with
 * none, every request after the first minute repeats it (about 0.2 ms of CPU per request against a
 * local API server, and a kubeconfig parsed each time). Here, without a token, it is asked at most once
 * a minute; with a token (or basic auth, or a token provider) every call goes to it unchanged, so
 * rotated service account tokens, OIDC refreshes and the retry after a 401 work as fabric8 made them.
 *
 * <p>Thread-safe: requests run {@link #before} concurrently; one of them wins the minute's refresh.
 */
public final class TokenRefreshThrottle implements Interceptor {

    static final Duration INTERVAL = Duration.ofMinutes(1);

    private final Config config;
    private final Interceptor delegate;
    private final LongSupplier nanoTime;
    /** When the delegate was last asked while there was no token ({@link System#nanoTime()}). */
    private final AtomicLong lastTokenlessRefresh;

    TokenRefreshThrottle(Config config, Interceptor delegate, LongSupplier nanoTime) {
        this.config = Objects.requireNonNull(config, "config");
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.nanoTime = nanoTime;
        // As fabric8's own interceptor: the configuration was just read, the first refresh is due in a minute.
        this.lastTokenlessRefresh = new AtomicLong(nanoTime.getAsLong());
    }

    /**
     * A client builder for {@code config} whose token refresh is throttled as described above; otherwise
     * what {@code new KubernetesClientBuilder().withConfig(config)} builds.
     */
    public static KubernetesClientBuilder clientBuilder(Config config) {
        HttpClient.Factory factory = HttpClientUtils.getHttpClientFactory();
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(factory).withHttpClientBuilderConsumer(builder -> {
            Interceptor stock = HttpClientUtils.createApplicableInterceptors(config, factory).get(TokenRefreshInterceptor.NAME);
            if (stock != null) {
                builder.addOrReplaceInterceptor(TokenRefreshInterceptor.NAME, new TokenRefreshThrottle(config, stock, System::nanoTime));
            }
        });
    }

    private boolean hasCredentials() {
        return config.getOauthTokenProvider() != null || notEmpty(config.getOauthToken()) || notEmpty(config.getAutoOAuthToken())
                || (notEmpty(config.getUsername()) && notEmpty(config.getPassword()));
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }

    @Override
    public void before(BasicBuilder headerBuilder, HttpRequest request, RequestTags tags) {
        if (hasCredentials()) {
            delegate.before(headerBuilder, request, tags);
            return;
        }
        // No token: the delegate would add no header and, once its minute is up, re-read the configuration.
        long now = nanoTime.getAsLong();
        long last = lastTokenlessRefresh.get();
        if (now - last >= INTERVAL.toNanos() && lastTokenlessRefresh.compareAndSet(last, now)) {
            delegate.before(headerBuilder, request, tags);
        }
    }

    @Override
    public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        delegate.after(request, response, consumer);
    }

    @Override
    public AsyncBody.Consumer<List<ByteBuffer>> consumer(AsyncBody.Consumer<List<ByteBuffer>> consumer, HttpRequest request) {
        return delegate.consumer(consumer, request);
    }

    @Override
    public CompletableFuture<Boolean> afterFailure(BasicBuilder headerBuilder, HttpResponse<?> response, RequestTags tags) {
        return delegate.afterFailure(headerBuilder, response, tags);
    }

    @Override
    public CompletableFuture<Boolean> afterFailure(HttpRequest.Builder builder, HttpResponse<?> response, RequestTags tags) {
        return delegate.afterFailure(builder, response, tags);
    }

    @Override
    public void afterConnectionFailure(HttpRequest request, Throwable failure) {
        delegate.afterConnectionFailure(request, failure);
    }
}

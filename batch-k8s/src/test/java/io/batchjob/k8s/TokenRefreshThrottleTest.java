package io.batchjob.k8s;

import io.batchjob.testkit.k8s.MockApiServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** fabric8's token refresh runs once a minute without a token too, not on every request; with a token nothing changes. */
class TokenRefreshThrottleTest {

    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    /** Counts what reaches fabric8's interceptor. */
    private static class Counting implements Interceptor {
        final AtomicInteger before = new AtomicInteger();
        final AtomicInteger afterFailure = new AtomicInteger();

        @Override
        public void before(BasicBuilder headerBuilder, HttpRequest request, RequestTags tags) {
            before.incrementAndGet();
        }

        @Override
        public CompletableFuture<Boolean> afterFailure(BasicBuilder headerBuilder, HttpResponse<?> response, RequestTags tags) {
            afterFailure.incrementAndGet();
            return CompletableFuture.completedFuture(false);
        }
    }

    private static Config config() {
        return new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:6443").build();
    }

    @Test
    void withoutATokenTheRefreshIsAskedOnceAMinuteNotPerRequest() {
        AtomicLong now = new AtomicLong(5_000);
        Counting fabric8 = new Counting();
        TokenRefreshThrottle throttle = new TokenRefreshThrottle(config(), fabric8, now::get);

        for (int i = 0; i < 1_000; i++) {
            now.addAndGet(MINUTE / 1_000 - 1);
            throttle.before(null, null, null);
        }
        assertThat(fabric8.before).as("within the first minute").hasValue(0);

        now.addAndGet(1_000);
        for (int i = 0; i < 1_000; i++) {
            throttle.before(null, null, null);
        }
        assertThat(fabric8.before).as("the minute is up: one refresh for 1,000 requests").hasValue(1);

        now.addAndGet(MINUTE);
        throttle.before(null, null, null);
        throttle.before(null, null, null);
        assertThat(fabric8.before).hasValue(2);
    }

    @Test
    void withATokenBasicAuthOrAProviderEveryRequestGoesToFabric8() {
        for (Config config : new Config[]{
                new ConfigBuilder(config()).withOauthToken("t0ken").build(),
                new ConfigBuilder(config()).withUsername("u").withPassword("p").build(),
                new ConfigBuilder(config()).withOauthTokenProvider(() -> "from-a-provider").build()}) {
            Counting fabric8 = new Counting();
            TokenRefreshThrottle throttle = new TokenRefreshThrottle(config, fabric8, () -> 0L);
            for (int i = 0; i < 10; i++) {
                throttle.before(null, null, null);
            }
            assertThat(fabric8.before).hasValue(10);
        }
    }

    @Test
    void aTokenFoundByARefreshIsUsedOnEveryLaterRequest() {
        AtomicLong now = new AtomicLong();
        Config config = config();
        Counting fabric8 = new Counting() {
            @Override
            public void before(BasicBuilder headerBuilder, HttpRequest request, RequestTags tags) {
                super.before(headerBuilder, request, tags);
                config.setAutoOAuthToken("mounted-later"); // what fabric8's refresh does when it finds one
            }
        };
        TokenRefreshThrottle throttle = new TokenRefreshThrottle(config, fabric8, now::get);
        now.addAndGet(MINUTE);
        throttle.before(null, null, null);
        throttle.before(null, null, null);
        throttle.before(null, null, null);
        assertThat(fabric8.before).hasValue(3);
    }

    @Test
    void failuresAlwaysReachFabric8SoA401StillRefreshes() {
        Counting fabric8 = new Counting();
        TokenRefreshThrottle throttle = new TokenRefreshThrottle(config(), fabric8, () -> 0L);
        throttle.afterFailure((BasicBuilder) null, null, null);
        throttle.afterFailure((BasicBuilder) null, null, null);
        assertThat(fabric8.afterFailure).hasValue(2);
    }

    @Test
    void aClientFromTheBuilderSendsItsBearerTokenOnEveryRequest() throws Exception {
        try (MockApiServer api = new MockApiServer().start()) {
            Config config = new ConfigBuilder(Config.empty()).withMasterUrl(api.client().getConfiguration().getMasterUrl())
                    .withOauthToken("t0ken").withTrustCerts(true).build();
            try (KubernetesClient client = TokenRefreshThrottle.clientBuilder(config).build()) {
                while (api.server().takeRequest(10, TimeUnit.MILLISECONDS) != null) {
                    // forget the set-up
                }
                for (int i = 0; i < 3; i++) {
                    client.pods().inNamespace("jobs").list();
                }
                for (int i = 0; i < 3; i++) {
                    RecordedRequest r = api.server().takeRequest(5, TimeUnit.SECONDS);
                    assertThat(r).isNotNull();
                    assertThat(r.getHeader("Authorization")).isEqualTo("Bearer t0ken");
                }
            }
        }
    }
}

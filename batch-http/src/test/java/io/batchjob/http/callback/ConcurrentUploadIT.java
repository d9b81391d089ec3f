package io.batchjob.http.callback;

import io.batchjob.core.config.CallbackAuth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 200 concurrent uploads of 1 MiB each, two from each of 100 running jobs (the most one job may
 * have in progress). Failsafe runs this with -Xmx96m: bodies that were held in memory (200 MiB)
 * could not fit, so passing shows they stream to disk.
 */
class ConcurrentUploadIT {

    private static final int UPLOADS = 200;
    private static final int SIZE = 1 << 20;

    @TempDir
    Path base;

    /** Deterministic content per upload, generated as it is read. */
    static final class Content extends InputStream {
        private final int seed;
        private int position;

        Content(int seed) {
            this.seed = seed;
        }

        private byte at(int i) {
            return (byte) (seed * 31 + i * 7 + (i >>> 10));
        }

        @Override
        public int read() {
            return position < SIZE ? at(position++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= SIZE) {
                return -1;
            }
            int n = Math.min(len, SIZE - position);
            for (int i = 0; i < n; i++) {
                b[off + i] = at(position++);
            }
            return n;
        }
    }

    private static long crc(InputStream in) throws Exception {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            crc.update(buf, 0, n);
        }
        return crc.getValue();
    }

    @Test
    void twoHundredConcurrentOneMebibyteUploadsAllArriveIntact() throws Exception {
        // One upload per job: a job's second call at once is taken only while the API is not busy (JobSlots), and 200
        // arriving together keep it busy.
        List<String> nodes = java.util.stream.IntStream.range(0, UPLOADS).mapToObj(i -> "node-" + i).toList();
        try (CallbackFixture f = new CallbackFixture(base, nodes, nodes.size(), CallbackAuth.TOKEN, false, 2 << 20, 64 << 10,
                CallbackSettings.DEFAULT_MAX_CONCURRENT, CallbackSettings.DEFAULT_MAX_QUEUED,
                io.batchjob.core.config.ControllerConfig.DEFAULT_MAX_SERIES_PER_RESULT)) {
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < UPLOADS; i++) {
                int seed = i;
                String node = nodes.get(i % nodes.size());
                futures.add(f.client.sendAsync(HttpRequest.newBuilder(URI.create(f.url(node, "file") + "?name=upload-" + i + ".bin"))
                        .header("Authorization", f.basic(node))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new Content(seed))).build(), HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

            for (int i = 0; i < UPLOADS; i++) {
                HttpResponse<String> r = futures.get(i).get();
                assertThat(r.statusCode()).as("upload %d: %s", i, r.body()).isEqualTo(200);
                Path stored = f.reports.resolve(f.executionId).resolve(nodes.get(i % nodes.size()) + "-upload-" + i + ".bin");
                assertThat(Files.size(stored)).isEqualTo(SIZE);
                try (InputStream in = Files.newInputStream(stored)) {
                    assertThat(crc(in)).as("content of upload %d", i).isEqualTo(crc(new Content(i)));
                }
            }
            try (var files = Files.list(f.reports.resolve(f.executionId))) {
                assertThat(files.filter(p -> p.getFileName().toString().startsWith(".")).toList()).as("temporary files").isEmpty();
            }
            long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            long maxHeap = Runtime.getRuntime().maxMemory();
            System.out.printf("200 x 1 MiB uploads: peak heap of the pools %d MiB, max heap %d MiB%n", peakHeap >> 20, maxHeap >> 20);
            assertThat(maxHeap).as("this test must run with a small heap (failsafe argLine)").isLessThan(128L << 20);
        }
    }
}

package io.batchjob.http;

import io.undertow.io.Receiver;
import io.undertow.io.Sender;
import io.undertow.server.BlockingHttpExchange;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import org.xnio.channels.StreamSourceChannel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Blocking mode for an exchange whose request body has an idle timeout and a total time: a read
 * that gets no byte for {@code idleTimeout} fails with {@link BodyIdleTimeoutException}, and so
 * does any read once the body has taken {@code totalTime} since its first read (a client that
 * trickles a byte now and then is not idle, but holds its worker thread only that long too). The worker thread
 * itself notices and gives up (the answer is 408 and the connection closes); nothing closes the
 * connection under it from another thread, which in Undertow races with the read (freed buffers,
 * or an early end of stream that would pass a truncated body for a whole one).
 *
 * <p>Everything but the input stream is Undertow's own blocking implementation.
 */
public final class IdleTimeoutBlocking implements BlockingHttpExchange {

    /** A request body paused longer than the idle timeout, or took longer than the total time. */
    static final class BodyIdleTimeoutException extends IOException {
        BodyIdleTimeoutException(Duration timeout) {
            super("the request body paused for more than " + timeout.toSeconds() + " s");
        }

        BodyIdleTimeoutException(String message) {
            super(message);
        }
    }

    private final HttpServerExchange exchange;
    private final Duration idleTimeout;
    private final Duration totalTime;
    private BlockingHttpExchange plain;
    private InputStream input;

    private IdleTimeoutBlocking(HttpServerExchange exchange, Duration idleTimeout, Duration totalTime) {
        this.exchange = exchange;
        this.idleTimeout = idleTimeout;
        this.totalTime = totalTime;
    }

    /** How long a body may take in total, by default: eight idle timeouts (2 minutes for the default 15 s). */
    public static Duration totalTimeFor(Duration idleTimeout) {
        return idleTimeout.multipliedBy(8);
    }

    /** Like Undertow's {@code BlockingHandler}: blocking mode (with the body's time limits), then {@code next} on a worker thread. */
    public static HttpHandler handler(Duration idleTimeout, HttpHandler next) {
        return handler(idleTimeout, totalTimeFor(idleTimeout), next);
    }

    public static HttpHandler handler(Duration idleTimeout, Duration totalTime, HttpHandler next) {
        return exchange -> {
            IdleTimeoutBlocking blocking = new IdleTimeoutBlocking(exchange, idleTimeout, totalTime);
            exchange.startBlocking();
            blocking.plain = exchange.startBlocking(blocking); // Undertow's default, kept for output
            if (exchange.isInIoThread()) {
                exchange.dispatch(next);
            } else {
                next.handleRequest(exchange);
            }
        };
    }

    @Override
    public InputStream getInputStream() {
        if (input == null) {
            input = new Input();
        }
        return input;
    }

    @Override
    public OutputStream getOutputStream() {
        return plain.getOutputStream();
    }

    @Override
    public Sender getSender() {
        return plain.getSender();
    }

    @Override
    public Receiver getReceiver() {
        return plain.getReceiver();
    }

    @Override
    public void close() throws IOException {
        plain.close();
    }

    /** Reads the request channel, waiting at most the idle timeout for each next byte. */
    private final class Input extends InputStream {
        private StreamSourceChannel channel;
        private boolean finished;
        /** When the body must have arrived, from its first read. */
        private long bodyDeadline;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (finished) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (channel == null) {
                channel = exchange.getRequestChannel();
                if (channel == null) {
                    throw new IOException("the request body was read already");
                }
                bodyDeadline = System.nanoTime() + totalTime.toNanos();
            }
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            long deadline = Math.min(System.nanoTime() + idleTimeout.toNanos(), bodyDeadline);
            while (true) {
                int n = channel.read(buffer);
                if (n > 0) {
                    return n;
                }
                if (n < 0) {
                    finished = true;
                    return -1;
                }
                long now = System.nanoTime();
                long left = deadline - now;
                if (left <= 0) {
                    exchange.setPersistent(false);
                    throw now - bodyDeadline >= 0
                            ? new BodyIdleTimeoutException("the request body took longer than " + totalTime.toSeconds() + " s in total")
                            : new BodyIdleTimeoutException(idleTimeout);
                }
                channel.awaitReadable(left, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void close() throws IOException {
            // Undertow drains or closes what is left of the body when the exchange ends.
            finished = true;
        }
    }
}

package io.batchjob.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One scrape's exposition, produced a chunk at a time: the registry's own metrics (few: JVM,
 * controller) through prometheus-metrics' writer, and the result series straight from
 * {@link ResultSeries} columns, in the same order and with the same bytes as that writer would
 * give for the same data points (families by name, data points by labels; {@code ExpositionTest}
 * compares the two on a corpus with hostile label values). Memory is the chunk, not the series:
 * nothing per series is kept beyond what is written.
 *
 * <p>Not thread-safe: one scrape, one thread at a time (chunks may be filled on different threads
 * one after the other).
 */
final class Exposition {

    private static final byte[] EOF = "# EOF\n".getBytes(StandardCharsets.US_ASCII);

    private final ExpositionFormatWriter writer;
    private final EscapingScheme escaping;
    private final boolean openMetrics;
    /** Registry snapshots and result families, in name order. */
    private final List<Object> parts;
    private int part;
    private FamilyCursor cursor;
    private boolean eofWritten;

    /**
     * @param registry the registry's snapshots (without the result families)
     * @param families the result families (a {@link ResultSeries#view()}), already filtered by name
     */
    Exposition(ExpositionFormatWriter writer, EscapingScheme escaping, MetricSnapshots registry, List<ResultSeries.FamilyView> families) {
        this.writer = writer;
        this.escaping = escaping;
        this.openMetrics = writer instanceof OpenMetricsTextFormatWriter;
        List<Object> all = new ArrayList<>();
        registry.forEach(all::add);
        families.stream().filter(f -> !f.columns().isEmpty()).forEach(all::add);
        all.sort((a, b) -> nameOf(a).compareTo(nameOf(b)));
        this.parts = all;
    }

    private static String nameOf(Object part) {
        return part instanceof MetricSnapshot s ? s.getMetadata().getPrometheusName() : ((ResultSeries.FamilyView) part).family().name;
    }

    /**
     * Appends the next part of the exposition until {@code sink} holds at least {@code target}
     * bytes (or everything is written).
     *
     * @return false once everything is written
     */
    boolean fill(Sink sink, int target) {
        while (sink.size() < target) {
            if (cursor != null) {
                if (cursor.write(sink, target)) {
                    continue;
                }
                cursor = null;
                part++;
                continue;
            }
            if (part >= parts.size()) {
                if (openMetrics && !eofWritten) {
                    sink.write(EOF);
                    eofWritten = true;
                }
                return false;
            }
            Object p = parts.get(part);
            if (p instanceof MetricSnapshot s) {
                writeRegistryMetric(sink, s);
                part++;
            } else {
                ResultSeries.FamilyView f = (ResultSeries.FamilyView) p;
                sink.write(header(f.family()));
                cursor = new FamilyCursor(f);
            }
        }
        return true;
    }

    /** The library's own output for one snapshot (an OpenMetrics {@code # EOF} comes once, at the end). */
    private void writeRegistryMetric(Sink sink, MetricSnapshot s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            writer.write(out, MetricSnapshots.of(s), escaping);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = out.toByteArray();
        int length = bytes.length;
        if (openMetrics && endsWith(bytes, EOF)) {
            length -= EOF.length;
        }
        sink.write(bytes, 0, length);
    }

    /** The HELP/TYPE lines the library writes for this family: from a one-sample snapshot, its comment lines. */
    private byte[] header(ResultSeries.Family f) {
        String[] values = new String[f.labelNames.length];
        Arrays.fill(values, "x");
        GaugeSnapshot one = GaugeSnapshot.builder().name(f.name).help(f.help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of(f.labelNames, values)).value(0).build())
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            writer.write(out, MetricSnapshots.of(one), escaping);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder header = new StringBuilder();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("#") && !line.equals("# EOF")) {
                header.append(line).append('\n');
            }
        }
        return header.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean endsWith(byte[] bytes, byte[] suffix) {
        return bytes.length >= suffix.length
                && Arrays.equals(bytes, bytes.length - suffix.length, bytes.length, suffix, 0, suffix.length);
    }

    /** Writes one family's rows, merging its execution columns into the library's data point order. */
    private static final class FamilyCursor {
        private final ResultSeries.Family family;
        private final LabelValues.View values;
        private final ResultSeries.Column[] columns;
        private final int[] next;
        /** A binary min-heap of column indexes, by their next row. */
        private final int[] heap;
        private int heapSize;
        private final byte[][] labelPrefixes;
        private final byte[] name;

        FamilyCursor(ResultSeries.FamilyView view) {
            this.family = view.family();
            this.values = view.values();
            this.columns = view.columns().toArray(ResultSeries.Column[]::new);
            this.next = new int[columns.length];
            this.heap = new int[columns.length];
            for (int i = 0; i < columns.length; i++) {
                push(i);
            }
            this.name = family.name.getBytes(StandardCharsets.UTF_8);
            this.labelPrefixes = new byte[family.sortedPositions.length][];
            for (int i = 0; i < labelPrefixes.length; i++) {
                String n = family.labelNames[family.sortedPositions[i]];
                labelPrefixes[i] = ((i == 0 ? "{" : ",") + n + "=\"").getBytes(StandardCharsets.UTF_8);
            }
        }

        /** @return whether rows are left */
        boolean write(Sink sink, int target) {
            while (heapSize > 0 && sink.size() < target) {
                int c = heap[0];
                ResultSeries.Column column = columns[c];
                int row = next[c];
                sink.write(name);
                for (int i = 0; i < labelPrefixes.length; i++) {
                    sink.write(labelPrefixes[i]);
                    int position = family.sortedPositions[i];
                    if (family.isExecutionId(position)) {
                        sink.writeEscapedLabelValue(column.executionId);
                    } else {
                        int id = family.id(column, row, position);
                        sink.writeEscapedLabelValue(values.page(id), values.offset(id), values.length(id));
                    }
                    sink.write('"');
                }
                sink.write('}');
                sink.write(' ');
                sink.writeDouble(column.samples[row]);
                sink.write('\n');
                next[c]++;
                if (next[c] == column.size) {
                    heap[0] = heap[--heapSize];
                }
                siftDown(0);
            }
            return heapSize > 0;
        }

        private boolean less(int a, int b) {
            return family.compare(values, columns[a], next[a], columns[b], next[b]) < 0;
        }

        private void push(int c) {
            int i = heapSize++;
            heap[i] = c;
            while (i > 0) {
                int parent = (i - 1) / 2;
                if (!less(heap[i], heap[parent])) {
                    break;
                }
                int t = heap[i];
                heap[i] = heap[parent];
                heap[parent] = t;
                i = parent;
            }
        }

        private void siftDown(int i) {
            while (true) {
                int l = 2 * i + 1;
                int r = l + 1;
                int smallest = i;
                if (l < heapSize && less(heap[l], heap[smallest])) {
                    smallest = l;
                }
                if (r < heapSize && less(heap[r], heap[smallest])) {
                    smallest = r;
                }
                if (smallest == i) {
                    return;
                }
                int t = heap[i];
                heap[i] = heap[smallest];
                heap[smallest] = t;
                i = smallest;
            }
        }
    }

    /**
     * A growable byte buffer with the exposition's encodings: UTF-8 as Java's encoder writes it
     * (an unpaired surrogate becomes {@code ?}), label value escaping and number formatting as
     * prometheus-metrics' text writers do them.
     */
    static final class Sink {
        private byte[] bytes;
        private int size;

        Sink(int capacity) {
            bytes = new byte[capacity];
        }

        int size() {
            return size;
        }

        byte[] array() {
            return bytes;
        }

        void reset() {
            size = 0;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        void write(byte[] b) {
            write(b, 0, b.length);
        }

        void write(byte[] b, int offset, int length) {
            ensure(length);
            System.arraycopy(b, offset, bytes, size, length);
            size += length;
        }

        /** {@code \} as {@code \\}, {@code "} as {@code \"}, a newline as {@code \n}; everything else as is. */
        void writeEscapedLabelValue(String s) {
            ensure(s.length() * 3); // at most 3 bytes a char: an escape is 2, a surrogate pair 4 for 2 chars
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' || c == '"') {
                    bytes[size++] = '\\';
                    bytes[size++] = (byte) c;
                } else if (c == '\n') {
                    bytes[size++] = '\\';
                    bytes[size++] = 'n';
                } else if (c < 0x80) {
                    bytes[size++] = (byte) c;
                } else if (c < 0x800) {
                    bytes[size++] = (byte) (0xC0 | (c >> 6));
                    bytes[size++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    bytes[size++] = (byte) (0xF0 | (cp >> 18));
                    bytes[size++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    bytes[size++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    bytes[size++] = (byte) (0x80 | (cp & 0x3F));
                } else if (Character.isSurrogate(c)) {
                    bytes[size++] = '?'; // what Java's UTF-8 encoder writes for an unpaired surrogate
                } else {
                    bytes[size++] = (byte) (0xE0 | (c >> 12));
                    bytes[size++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    bytes[size++] = (byte) (0x80 | (c & 0x3F));
                }
            }
        }

        /** A label value already in UTF-8 (see {@link LabelValues}), escaped as {@link #writeEscapedLabelValue(String)} does. */
        void writeEscapedLabelValue(byte[] utf8, int offset, int length) {
            ensure(length * 2);
            for (int i = offset; i < offset + length; i++) {
                byte b = utf8[i];
                // '\\', '"' and '\n' are ASCII: in UTF-8 they never occur inside another character's bytes.
                if (b == '\\' || b == '"') {
                    bytes[size++] = '\\';
                    bytes[size++] = b;
                } else if (b == '\n') {
                    bytes[size++] = '\\';
                    bytes[size++] = 'n';
                } else {
                    bytes[size++] = b;
                }
            }
        }

        /** As prometheus-metrics: {@code +Inf}, {@code -Inf}, else {@link Double#toString} (whole numbers without a String). */
        void writeDouble(double d) {
            if (d == Double.POSITIVE_INFINITY) {
                write("+Inf".getBytes(StandardCharsets.US_ASCII));
            } else if (d == Double.NEGATIVE_INFINITY) {
                write("-Inf".getBytes(StandardCharsets.US_ASCII));
            } else if (d == Math.rint(d) && Math.abs(d) < 1e7 && !(d == 0 && Double.doubleToRawLongBits(d) != 0)) {
                // Double.toString of a whole number below 10^7 is its digits and ".0"
                writeLong((long) d);
                write('.');
                write('0');
            } else {
                write(Double.toString(d).getBytes(StandardCharsets.US_ASCII));
            }
        }

        private void writeLong(long v) {
            ensure(21);
            if (v < 0) {
                bytes[size++] = '-';
                v = -v;
            }
            int start = size;
            do {
                bytes[size++] = (byte) ('0' + v % 10);
                v /= 10;
            } while (v > 0);
            for (int i = start, j = size - 1; i < j; i++, j--) {
                byte t = bytes[i];
                bytes[i] = bytes[j];
                bytes[j] = t;
            }
        }
    }
}

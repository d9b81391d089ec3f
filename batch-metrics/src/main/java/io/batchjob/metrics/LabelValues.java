package io.batchjob.metrics;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Every distinct label value (and node name) of the result series, once, as UTF-8 bytes in 256 KiB
 * pages, known by an {@code int} id: a series row stores ids, not {@code String}s. A unique
 * 70-character value costs its 70 bytes and 20 bytes of bookkeeping (location, length, a slot of
 * the open-addressing table) instead of a {@code String}, its array and a hash-map entry
 * (about 200 bytes). Ids are dense and only grow; {@link ResultSeries} rebuilds the dictionary
 * when executions are pruned, so values no row uses are dropped.
 *
 * <p>Not thread-safe: {@link ResultSeries} guards it. {@link #view()} hands a scrape an immutable
 * window on the values interned so far (pages are only appended to, never changed).
 */
final class LabelValues {

    /** Below half of G1's smallest region (1 MiB), so a page is never a humongous object that wastes most of its regions. */
    private static final int PAGE = 256 << 10;

    private byte[][] pages = new byte[][]{new byte[4096]};
    private int page;
    private int pageUsed;
    /** Per id: page << 32 | offset. */
    private long[] location = new long[64];
    private int[] length = new int[64];
    private int count;
    /** Open addressing, linear probing: id + 1, 0 for empty; at most half full. */
    private int[] slots = new int[128];

    /** The id of the value, interned if new. */
    int intern(String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        int mask = slots.length - 1;
        for (int i = hash(b, 0, b.length) & mask; ; i = (i + 1) & mask) {
            int entry = slots[i];
            if (entry == 0) {
                int id = append(b);
                slots[i] = id + 1;
                if (2 * count > slots.length) {
                    rehash(slots.length * 2);
                }
                return id;
            }
            int id = entry - 1;
            if (length[id] == b.length && Arrays.equals(pages[(int) (location[id] >>> 32)], (int) location[id],
                    (int) location[id] + b.length, b, 0, b.length)) {
                return id;
            }
        }
    }

    int size() {
        return count;
    }

    private int append(byte[] b) {
        if (pageUsed + b.length > pages[page].length) {
            if (pageUsed + b.length <= PAGE && pages[page].length < PAGE) {
                pages[page] = Arrays.copyOf(pages[page], Math.min(PAGE, Math.max(pages[page].length * 2, pageUsed + b.length)));
            } else {
                if (page + 1 == pages.length) {
                    pages = Arrays.copyOf(pages, pages.length * 2);
                }
                pages[++page] = new byte[Math.max(b.length, Math.min(PAGE, 4096))];
                pageUsed = 0;
            }
        }
        if (count == location.length) {
            location = Arrays.copyOf(location, count * 2);
            length = Arrays.copyOf(length, count * 2);
        }
        System.arraycopy(b, 0, pages[page], pageUsed, b.length);
        location[count] = ((long) page << 32) | pageUsed;
        length[count] = b.length;
        pageUsed += b.length;
        return count++;
    }

    private void rehash(int capacity) {
        int[] next = new int[capacity];
        int mask = capacity - 1;
        for (int id = 0; id < count; id++) {
            int i = hash(pages[(int) (location[id] >>> 32)], (int) location[id], length[id]) & mask;
            while (next[i] != 0) {
                i = (i + 1) & mask;
            }
            next[i] = id + 1;
        }
        slots = next;
    }

    private static int hash(byte[] b, int from, int length) {
        int h = 1;
        for (int i = from; i < from + length; i++) {
            h = 31 * h + b[i];
        }
        return h ^ (h >>> 16) ^ (h >>> 7);
    }

    /** The values interned so far, for readers outside the lock. */
    View view() {
        // The page array is copied (a few references); the pages themselves only grow beyond what this view reads,
        // except the open page, which is replaced (not changed) when it grows.
        return new View(pages.clone(), location, length, count);
    }

    /** An immutable window on the values with ids below {@code count}. */
    record View(byte[][] pages, long[] location, int[] length, int count) {

        byte[] page(int id) {
            return pages[(int) (location[id] >>> 32)];
        }

        int offset(int id) {
            return (int) location[id];
        }

        int length(int id) {
            return length[id];
        }

        String string(int id) {
            return new String(page(id), offset(id), length(id), StandardCharsets.UTF_8);
        }

        /**
         * Orders two values as {@link String#compareTo} orders the strings (UTF-16 code units, as
         * prometheus-metrics sorts data points), reading their UTF-8 bytes: byte order is code point
         * order, except that UTF-16 puts supplementary characters (lead bytes F0-F4) before
         * U+E000-U+FFFF (lead bytes EE, EF).
         */
        int compare(int a, int b) {
            if (a == b) {
                return 0;
            }
            byte[] pa = page(a);
            byte[] pb = page(b);
            int oa = offset(a);
            int ob = offset(b);
            int la = length(a);
            int lb = length(b);
            int n = Math.min(la, lb);
            for (int i = 0; i < n; i++) {
                int x = pa[oa + i] & 0xFF;
                int y = pb[ob + i] & 0xFF;
                if (x != y) {
                    return utf16Rank(x) - utf16Rank(y);
                }
            }
            return la - lb;
        }

        private static int utf16Rank(int leadOrOther) {
            return leadOrOther == 0xEE || leadOrOther == 0xEF ? leadOrOther + 0x10 : leadOrOther;
        }
    }
}

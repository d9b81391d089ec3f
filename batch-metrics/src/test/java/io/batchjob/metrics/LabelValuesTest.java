package io.batchjob.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class LabelValuesTest {

    /** BMP letters, U+E000..U+FFFF (lead bytes EE/EF) and supplementary characters: where UTF-8 and UTF-16 orders differ. */
    private static final List<String> TRICKY = List.of("", "a", "ab", "b", "é", "中", "\uE000", "\uFFFD", "\uFF21", "😀", "𐐀", "a😀",
            "a\uFFFD", "\u007F", "\u0080", "\u07FF", "\u0800", "z".repeat(300), "with \"quote\"", "back\\slash", "new\nline");

    @Test
    void ordersValuesExactlyAsStringCompareToDoes() {
        LabelValues values = new LabelValues();
        List<String> corpus = new ArrayList<>(TRICKY);
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int c = random.nextInt(4); c >= 0; c--) {
                sb.appendCodePoint(switch (random.nextInt(5)) {
                    case 0 -> 'a' + random.nextInt(3);
                    case 1 -> 0xE000 + random.nextInt(0x2000);
                    case 2 -> 0xFF00 + random.nextInt(0xFE);
                    case 3 -> 0x10000 + random.nextInt(0x1000);
                    default -> 0x4E00 + random.nextInt(16);
                });
            }
            corpus.add(sb.toString());
        }
        int[] ids = corpus.stream().mapToInt(values::intern).toArray();
        LabelValues.View view = values.view();
        for (int i = 0; i < corpus.size(); i++) {
            for (int j = 0; j < corpus.size(); j += 7) {
                assertThat(Integer.signum(view.compare(ids[i], ids[j])))
                        .as("%s vs %s", corpus.get(i), corpus.get(j))
                        .isEqualTo(Integer.signum(corpus.get(i).compareTo(corpus.get(j))));
            }
        }
    }

    @Test
    void internsEachDistinctValueOnceAcrossPagesAndAViewKeepsWhatItSaw() {
        LabelValues values = new LabelValues();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 60_000; i++) {
            ids.add(values.intern("/var/lib/scan/" + i + "/" + "x".repeat(40))); // about 4 MiB: several pages
        }
        LabelValues.View before = values.view();
        assertThat(values.intern("/var/lib/scan/123/" + "x".repeat(40))).isEqualTo(ids.get(123));
        values.intern("y".repeat(3 << 20)); // larger than a page
        for (int i = 60_000; i < 70_000; i++) {
            values.intern("v" + i);
        }
        assertThat(values.size()).isEqualTo(70_001);
        assertThat(before.count()).isEqualTo(60_000);
        assertThat(before.string(ids.get(59_999))).isEqualTo("/var/lib/scan/59999/" + "x".repeat(40));
        assertThat(values.view().string(values.intern("v69999"))).isEqualTo("v69999");
        assertThat(values.view().string(values.intern("y".repeat(3 << 20)))).hasSize(3 << 20);
    }
}

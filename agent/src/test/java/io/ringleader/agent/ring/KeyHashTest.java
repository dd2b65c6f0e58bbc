package io.ringleader.agent.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.openhft.hashing.LongHashFunction;
import org.junit.jupiter.api.Test;

class KeyHashTest {

    /** Keys, hashes and slots at S = 16384 published in docs/ring.md; a change here is a wire-format break. */
    static final Object[][] VECTORS = {
        {"", 0xEF46DB3751D8E999L},
        {"a", 0xD24EC4F1A98C6E5BL},
        {"abc", 0x44BC2CF5AD770999L},
    };

    @Test
    void knownXxh64Vectors_match() {
        for (Object[] v : VECTORS) {
            String key = (String) v[0];
            long expected = (Long) v[1];
            assertThat(KeyHash.hash(key)).as("hash(String) of '%s'", key).isEqualTo(expected);
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            assertThat(KeyHash.hash(bytes)).as("hash(byte[]) of '%s'", key).isEqualTo(expected);
            assertThat(KeyHash.xxh64(bytes, 0, bytes.length)).isEqualTo(expected);
        }
    }

    @Test
    void randomStrings_hashLikeAnIndependentXxh64OfTheirUtf8Bytes() {
        LongHashFunction reference = LongHashFunction.xx();
        long seed = 20261122L;
        Random random = new Random(seed);
        char[] alphabet = "abcXYZ019-_:/ é€ЖあΩ".toCharArray();
        for (int i = 0; i < 20_000; i++) {
            int len = random.nextInt(101);
            StringBuilder sb = new StringBuilder(len);
            int kind = random.nextInt(4);
            for (int k = 0; k < len; k++) {
                switch (kind) {
                    case 0 -> sb.append((char) (random.nextInt(0x80)));
                    case 1 -> sb.append(alphabet[random.nextInt(alphabet.length)]);
                    case 2 -> sb.appendCodePoint(0x1F600 + random.nextInt(40));
                    default -> sb.append(k == len - 1 ? 'ß' : (char) ('a' + random.nextInt(26)));
                }
            }
            String key = sb.toString();
            byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
            long expected = reference.hashBytes(utf8);
            assertThat(KeyHash.hash(key))
                    .as("seed %d, key #%d '%s'", seed, i, key)
                    .isEqualTo(expected);
            assertThat(KeyHash.hash(utf8)).as("seed %d, key #%d bytes", seed, i).isEqualTo(expected);
        }
    }

    @Test
    void xxh64OfARange_hashesOnlyThatRange() {
        LongHashFunction reference = LongHashFunction.xx();
        Random random = new Random(7);
        byte[] data = new byte[300];
        random.nextBytes(data);
        for (int off = 0; off < 40; off++) {
            for (int len = 0; len <= 200; len += 7) {
                assertThat(KeyHash.xxh64(data, off, len))
                        .as("off %d len %d", off, len)
                        .isEqualTo(reference.hashBytes(data, off, len));
            }
        }
        assertThatThrownBy(() -> KeyHash.xxh64(data, 290, 20)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void slot_isTheTopBitsOfTheHash() {
        long h = 0xEF46DB3751D8E999L;
        assertThat(KeyHash.slot(h, 1)).isZero();
        assertThat(KeyHash.slot(h, 2)).isEqualTo(1);
        assertThat(KeyHash.slot(h, 16384)).isEqualTo((int) (h >>> 50));
        assertThat(KeyHash.slot(h, 65536)).isEqualTo((int) (h >>> 48));
        assertThat(KeyHash.slot(-1L, 16384)).isEqualTo(16383);
        assertThat(KeyHash.slot(0L, 16384)).isZero();
        assertThatThrownBy(() -> KeyHash.slot(h, 3)).hasMessageContaining("was 3");
        assertThatThrownBy(() -> KeyHash.slot(h, 0)).hasMessageContaining("was 0");
        assertThatThrownBy(() -> KeyHash.slot(h, 131072)).hasMessageContaining("was 131072");
    }

    @Test
    void hashOfAnAsciiKey_doesNotAllocate() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        String[] keys = {"user:0000012345", "order-2026-11-22-abcdefghijklmnopqrstuvwxyz", "k"};
        long sink = 0;
        for (int i = 0; i < 200_000; i++) {
            sink += KeyHash.hash(keys[i % keys.length]);
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            sink += KeyHash.hash(keys[i % keys.length]);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        // A few hundred bytes of slack for the measurement itself; one allocation per call would be megabytes.
        assertThat(allocated)
                .as("bytes allocated by 100,000 hashes (sink %d)", sink)
                .isLessThan(10_000);
    }

    @Test
    void publishedVectorTable_holds() {
        // The table in docs/ring.md: key, XXH64 seed 0 of its UTF-8 bytes, slot at S = 16384.
        Object[][] table = {
            {"", 0xEF46DB3751D8E999L, 15313},
            {"a", 0xD24EC4F1A98C6E5BL, 13459},
            {"abc", 0x44BC2CF5AD770999L, 4399},
            {"user:42", 0xDC1FEA7DA8D2D1C2L, 14087},
            {"order-2026-11-22-0001", 0x7EDCCE3EFBFFBAACL, 8119},
            {"kv-1", 0xC962F9B0165F10B7L, 12888},
            {"\u00e9", 0x17D757DFB8B46F78L, 1525},
            {"\u6771\u4eac", 0x954CD0C831E41454L, 9555},
            {"\ud83d\ude42", 0x08204C75E29551D3L, 520},
        };
        for (Object[] row : table) {
            String key = (String) row[0];
            long hash = KeyHash.hash(key);
            assertThat(hash).as("hash of '%s'", key).isEqualTo((Long) row[1]);
            assertThat(KeyHash.slot(hash, 16384)).as("slot of '%s'", key).isEqualTo((Integer) row[2]);
            assertThat(hash).isEqualTo(LongHashFunction.xx().hashBytes(key.getBytes(StandardCharsets.UTF_8)));
        }
    }
}

package io.ringleader.agent.ring;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The documented key hash: XXH64 with seed 0 over the key's UTF-8 bytes. A key's slot in a ring of {@code S}
 * slots is the top {@code log2(S)} bits of that hash ({@link #slot(long, int)}), so any language with an XXH64
 * library computes the same slot.
 *
 * <p>{@link #hash(String)} does not allocate when every character of the key is below {@code 0x80} (ASCII): it
 * reads the little-endian 8-byte lanes straight from the characters. Other keys are encoded to UTF-8 first.
 */
public final class KeyHash {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    /** No ASCII lane has this value: every byte of an ASCII lane is below 0x80. */
    private static final long NOT_ASCII = -1L;

    private KeyHash() {}

    /**
     * The hash of a key: XXH64, seed 0, of its UTF-8 bytes.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public static long hash(String key) {
        int len = key.length();
        int i = 0;
        long h;
        if (len >= 32) {
            long v1 = P1 + P2;
            long v2 = P2;
            long v3 = 0;
            long v4 = -P1;
            int limit = len - 32;
            do {
                long a = lane8(key, i);
                long b = lane8(key, i + 8);
                long c = lane8(key, i + 16);
                long d = lane8(key, i + 24);
                if (a == NOT_ASCII || b == NOT_ASCII || c == NOT_ASCII || d == NOT_ASCII) {
                    return hashUtf8(key);
                }
                v1 = round(v1, a);
                v2 = round(v2, b);
                v3 = round(v3, c);
                v4 = round(v4, d);
                i += 32;
            } while (i <= limit);
            h = converge(v1, v2, v3, v4);
        } else {
            h = P5;
        }
        h += len;
        while (i + 8 <= len) {
            long k = lane8(key, i);
            if (k == NOT_ASCII) {
                return hashUtf8(key);
            }
            h ^= round(0, k);
            h = Long.rotateLeft(h, 27) * P1 + P4;
            i += 8;
        }
        if (i + 4 <= len) {
            long k = lane4(key, i);
            if (k == NOT_ASCII) {
                return hashUtf8(key);
            }
            h ^= k * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            i += 4;
        }
        while (i < len) {
            char c = key.charAt(i);
            if (c >= 0x80) {
                return hashUtf8(key);
            }
            h ^= c * P5;
            h = Long.rotateLeft(h, 11) * P1;
            i++;
        }
        return avalanche(h);
    }

    /**
     * The hash of a binary key: XXH64, seed 0, of all its bytes.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public static long hash(byte[] key) {
        return xxh64(key, 0, key.length);
    }

    /**
     * XXH64 with seed 0 of {@code len} bytes of {@code data} starting at {@code off}.
     *
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not describe a range of {@code data}
     */
    public static long xxh64(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        int i = off;
        int end = off + len;
        long h;
        if (len >= 32) {
            long v1 = P1 + P2;
            long v2 = P2;
            long v3 = 0;
            long v4 = -P1;
            int limit = end - 32;
            do {
                v1 = round(v1, le64(data, i));
                v2 = round(v2, le64(data, i + 8));
                v3 = round(v3, le64(data, i + 16));
                v4 = round(v4, le64(data, i + 24));
                i += 32;
            } while (i <= limit);
            h = converge(v1, v2, v3, v4);
        } else {
            h = P5;
        }
        h += len;
        while (i + 8 <= end) {
            h ^= round(0, le64(data, i));
            h = Long.rotateLeft(h, 27) * P1 + P4;
            i += 8;
        }
        if (i + 4 <= end) {
            h ^= (le32(data, i) & 0xFFFFFFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            i += 4;
        }
        while (i < end) {
            h ^= (data[i] & 0xFFL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
            i++;
        }
        return avalanche(h);
    }

    /**
     * The slot of a hash in a ring of {@code slotCount} slots: the top {@code log2(slotCount)} bits.
     *
     * @throws IllegalArgumentException if {@code slotCount} is not a power of two between 1 and 65536
     */
    public static int slot(long hash, int slotCount) {
        if (slotCount < 1 || slotCount > Ring.MAX_SLOTS || Integer.bitCount(slotCount) != 1) {
            throw new IllegalArgumentException(
                    "slotCount must be a power of two between 1 and " + Ring.MAX_SLOTS + ", was " + slotCount);
        }
        return topBits(hash, Integer.numberOfTrailingZeros(slotCount));
    }

    /** The top {@code bits} bits of {@code hash}; {@code bits} is 0..16. Shifting in two steps makes 0 bits work. */
    static int topBits(long hash, int bits) {
        return (int) ((hash >>> 1) >>> (63 - bits));
    }

    private static long hashUtf8(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return xxh64(bytes, 0, bytes.length);
    }

    private static long lane8(String s, int i) {
        long lane = 0;
        int seen = 0;
        for (int k = 7; k >= 0; k--) {
            char c = s.charAt(i + k);
            seen |= c;
            lane = (lane << 8) | c;
        }
        return seen < 0x80 ? lane : NOT_ASCII;
    }

    private static long lane4(String s, int i) {
        long lane = 0;
        int seen = 0;
        for (int k = 3; k >= 0; k--) {
            char c = s.charAt(i + k);
            seen |= c;
            lane = (lane << 8) | c;
        }
        return seen < 0x80 ? lane : NOT_ASCII;
    }

    private static long le64(byte[] b, int i) {
        return (b[i] & 0xFFL)
                | (b[i + 1] & 0xFFL) << 8
                | (b[i + 2] & 0xFFL) << 16
                | (b[i + 3] & 0xFFL) << 24
                | (b[i + 4] & 0xFFL) << 32
                | (b[i + 5] & 0xFFL) << 40
                | (b[i + 6] & 0xFFL) << 48
                | (b[i + 7] & 0xFFL) << 56;
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }

    private static long round(long acc, long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(long h, long v) {
        return (h ^ round(0, v)) * P1 + P4;
    }

    private static long converge(long v1, long v2, long v3, long v4) {
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        return merge(h, v4);
    }

    private static long avalanche(long h) {
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        return h ^ (h >>> 32);
    }
}

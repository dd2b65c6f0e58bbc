package io.ringleader.bench;

import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingChunks;
import io.ringleader.agent.ring.RingCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The encoded size of rings of several shapes, whole or in chunks, and the time to encode and decode each (median of
 * 7 runs after 3 warm-ups). The tables are random distinct replicas, the worst case for zlib, so the sizes are upper
 * bounds for their shape; a placed ring compresses a little better.
 *
 * <pre>{@code java -cp bench/target/benchmarks.jar io.ringleader.bench.RingRecordSizes}</pre>
 */
public final class RingRecordSizes {
    private RingRecordSizes() {}

    public static void main(String[] args) throws Exception {
        int[][] shapes = {
            {1000, 18, 16384, 3},
            {1000, 18, 65536, 3},
            {3000, 18, 65536, 3},
            {300, 4, 65536, 7},
            {2000, 18, 65536, 5},
            {32767, 128, 65536, 7}
        };
        System.out.printf("%-44s %12s %7s %10s %10s%n", "ring", "record (B)", "chunks", "encode ms", "decode ms");
        for (int[] shape : shapes) {
            Ring ring = randomRing(shape[0], shape[1], shape[2], shape[3]);
            byte[] whole = RingCodec.encodeWhole(ring);
            double[] encode = new double[7];
            double[] decode = new double[7];
            for (int i = -3; i < 7; i++) {
                long t0 = System.nanoTime();
                RingCodec.encodeWhole(ring);
                long t1 = System.nanoTime();
                RingCodec.decodeWhole("ring", whole);
                long t2 = System.nanoTime();
                if (i >= 0) {
                    encode[i] = (t1 - t0) / 1e6;
                    decode[i] = (t2 - t1) / 1e6;
                }
            }
            Arrays.sort(encode);
            Arrays.sort(decode);
            String name = String.format("%,d members (%d-char ids), S=%d R=%d", shape[0], shape[1], shape[2], shape[3]);
            String chunks = whole.length <= RingCodec.MAX_BYTES
                    ? "whole"
                    : String.valueOf(
                            RingChunks.split(whole, RingChunks.CHUNK_BYTES).size());
            System.out.printf("%-44s %,12d %7s %10.1f %10.1f%n", name, whole.length, chunks, encode[3], decode[3]);
        }
    }

    /** {@code n} members with ids padded to {@code idLength}; each slot lists {@code r} distinct random members. */
    private static Ring randomRing(int n, int idLength, int slots, int r) {
        SplittableRandom random = new SplittableRandom(n * 31L + r);
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = "m" + i + "-";
            ids.add(id + "x".repeat(Math.max(0, idLength - id.length())));
        }
        int[] table = new int[slots * r];
        int[] seen = new int[n];
        for (int s = 0; s < slots; s++) {
            for (int k = 0; k < r; k++) {
                int m;
                do {
                    m = random.nextInt(n);
                } while (seen[m] == s + 1);
                seen[m] = s + 1;
                table[s * r + k] = m;
            }
        }
        return Ring.of(1, slots, r, ids, table);
    }
}

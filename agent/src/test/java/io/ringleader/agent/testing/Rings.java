package io.ringleader.agent.testing;

import io.ringleader.agent.ring.Ring;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Rings for tests of size and storage, not of placement. */
public final class Rings {
    private Rings() {}

    /**
     * A ring of {@code n} members whose ids are {@code m<i>-} padded with {@code x} to {@code idLength} characters,
     * each slot listing {@code replication} distinct members drawn at random: about log2(n) bits of entropy per entry,
     * which zlib cannot squeeze, so the record's size is close to the largest for its shape.
     */
    public static Ring random(long epoch, int n, int idLength, int slots, int replication, long seed) {
        Random random = new Random(seed);
        List<String> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = "m" + i + "-";
            members.add(id + "x".repeat(Math.max(0, idLength - id.length())));
        }
        int[] table = new int[slots * replication];
        for (int s = 0; s < slots; s++) {
            int base = s * replication;
            for (int r = 0; r < replication; r++) {
                int m;
                boolean taken;
                do {
                    m = random.nextInt(n);
                    taken = false;
                    for (int k = 0; k < r; k++) {
                        taken |= table[base + k] == m;
                    }
                } while (taken);
                table[base + r] = m;
            }
        }
        return Ring.of(epoch, slots, replication, members, table);
    }
}

package io.ringleader.bench;

import io.ringleader.agent.ring.KeyHash;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The classic consistent-hash ring, written here as a contender: each member at {@code vnodes} points of the 64-bit
 * circle ({@link KeyHash XXH64} of {@code "<id>#<i>"}); a key belongs to the first point at or after its XXH64 hash,
 * wrapping around. Points are ordered as signed longs; the circle is the same either way.
 *
 * @param <T> the member type
 */
final class VnodeRing<T> {

    private final TreeMap<Long, T> points = new TreeMap<>();

    /** A ring of {@code members}, named by {@code ids} (same order), at {@code vnodes} points each. */
    VnodeRing(List<String> ids, List<T> members, int vnodes) {
        for (int m = 0; m < ids.size(); m++) {
            for (int v = 0; v < vnodes; v++) {
                // a collision of two 64-bit points is astronomically unlikely; the first one keeps the point
                points.putIfAbsent(KeyHash.hash(ids.get(m) + "#" + v), members.get(m));
            }
        }
    }

    /** The owner of a key. */
    T owner(String key) {
        return ownerOfHash(KeyHash.hash(key));
    }

    /** The owner of a key hash. */
    T ownerOfHash(long hash) {
        Map.Entry<Long, T> e = points.ceilingEntry(hash);
        return e != null ? e.getValue() : points.firstEntry().getValue();
    }

    /** The points, position → member. */
    NavigableMap<Long, T> points() {
        return java.util.Collections.unmodifiableNavigableMap(points);
    }
}

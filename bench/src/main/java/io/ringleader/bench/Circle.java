package io.ringleader.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * A hash ring as exact geometry: sorted points on a circle of {@code 2^64} (all longs) or {@code 2^63} (longs
 * {@code >= 0}) positions, each owning the arc from the previous point (exclusive) to itself (inclusive), the
 * first point's arc wrapping around. Lets shares and movement be computed exactly instead of sampled.
 */
final class Circle {

    /** All 2^64 longs. */
    static final double FULL = 0x1p64;
    /** The 2^63 longs {@code >= 0}. */
    static final double POSITIVE = 0x1p63;

    private final long[] points;
    private final String[] owners;
    private final double size;

    /** The circle of {@code points} (position → owner id, at least one) over {@code size} positions. */
    Circle(NavigableMap<Long, String> points, double size) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("a circle needs at least one point");
        }
        this.points = new long[points.size()];
        this.owners = new String[points.size()];
        int i = 0;
        for (Map.Entry<Long, String> e : points.entrySet()) {
            this.points[i] = e.getKey();
            this.owners[i++] = e.getValue();
        }
        this.size = size;
    }

    /** The owner of position {@code h}: the first point at or after it, wrapping around. */
    String ownerAt(long h) {
        int i = Arrays.binarySearch(points, h);
        if (i < 0) {
            i = -i - 1;
        }
        return owners[i == points.length ? 0 : i];
    }

    private double arc(long from, long to) {
        long d = to - from;
        return d > 0 ? d : d + size;
    }

    /** Each owner's exact fraction of the circle. */
    Map<String, Double> shares() {
        Map<String, Double> shares = new HashMap<>();
        long previous = points[points.length - 1];
        for (int i = 0; i < points.length; i++) {
            shares.merge(owners[i], arc(previous, points[i]) / size, Double::sum);
            previous = points[i];
        }
        return shares;
    }

    /**
     * The exact fractions of the circle that change owner from {@code before} to {@code after} (same size): {moved,
     * moved between two members in both {@code was} and {@code is}, owned by a member not in both}.
     */
    static double[] moved(Circle before, Circle after, Set<String> was, Set<String> is) {
        long[] all = new long[before.points.length + after.points.length];
        System.arraycopy(before.points, 0, all, 0, before.points.length);
        System.arraycopy(after.points, 0, all, before.points.length, after.points.length);
        long[] cuts = Arrays.stream(all).sorted().distinct().toArray();
        double moved = 0;
        double survivors = 0;
        double changed = 0;
        long previous = cuts[cuts.length - 1];
        for (long cut : cuts) {
            // no point of either circle lies strictly inside (previous, cut]: one owner each on that arc
            double length = before.arc(previous, cut) / before.size;
            String b = before.ownerAt(cut);
            String a = after.ownerAt(cut);
            if (!b.equals(a)) {
                moved += length;
                if (is.contains(b) && was.contains(a)) {
                    survivors += length;
                }
            }
            if (!is.contains(b) || !was.contains(a)) {
                changed += length;
            }
            previous = cut;
        }
        return new double[] {moved, survivors, changed};
    }
}

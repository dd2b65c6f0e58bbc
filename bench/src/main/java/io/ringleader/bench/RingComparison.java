package io.ringleader.bench;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import io.ringleader.agent.ring.KeyHash;
import io.ringleader.agent.ring.Ring;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.ishugaliy.allgood.consistent.hash.HashRing;
import org.ishugaliy.allgood.consistent.hash.hasher.DefaultHasher;
import org.ishugaliy.allgood.consistent.hash.node.SimpleNode;
import org.ishugaliy.allgood.consistent.hash.partition.Partition;

/**
 * Compares how evenly Ringleader's ring and four other consistent hashes spread keys over members, and how many
 * keys move when one member leaves or joins. Prints markdown tables.
 *
 * <p>Where a contender has a notion of owned key space (Ringleader's slots, the rings' arcs), balance and movement
 * are computed exactly from it; every contender is also measured over the sampled keys. The jump hashes have only
 * the sampled figures. Ringleader's rings come from {@code Placement.assign}: the changed ring from the previous
 * one, and a key's owner is its slot's rank-0 replica (the primary when every member is UP).
 *
 * <pre>java -cp bench/target/benchmarks.jar io.ringleader.bench.RingComparison [members] [keys]</pre>
 */
public final class RingComparison {

    /** Members in the comparison, unless given. */
    public static final int DEFAULT_MEMBERS = 100;
    /** Sampled keys, unless given. */
    public static final int DEFAULT_KEYS = 1_000_000;

    /** One contender: places members, given what it placed before (Placement needs it). */
    interface Contender {
        String name();

        /**
         * The key-to-owner function for {@code ids}, in bucket order. Jump hashes number their buckets, so a leave
         * there moves the last member into the freed bucket (the cheapest re-numbering); rings ignore the order.
         *
         * @param previous what this contender placed before, or null for a first placement
         */
        Placed place(Placed previous, List<String> ids);
    }

    /** The owners of one membership. */
    interface Placed {
        String owner(String key);

        /** Each member's exact share of the key space, or null if there is no such notion. */
        default Map<String, Double> exactShares() {
            return null;
        }

        /** Exact {moved, survivor→survivor, leaver's or joiner's} fractions from {@code before}, or null. */
        default double[] exactMoved(Placed before, Set<String> was, Set<String> is) {
            return null;
        }
    }

    /** A balance row: exact is NaN when the contender has no exact notion. */
    public record Balance(String contender, double exact, double sampled, String how) {}

    /**
     * A movement row. Sampled fractions are over the keys; exact ones NaN where the contender has no exact notion.
     */
    public record Movement(
            String contender,
            String change,
            double optimal,
            double exactMoved,
            double exactSurvivors,
            double exactChangedMember,
            double sampledMoved,
            long sampledSurvivorKeys,
            double sampledChangedMember) {

        /** Whether the exact figures exist. */
        public boolean exact() {
            return !Double.isNaN(exactMoved);
        }

        /** Moved over the optimal 1/N (exact if there is an exact figure, else sampled). */
        public double overOptimal() {
            return (exact() ? exactMoved : sampledMoved) / optimal;
        }

        /** Moved over what the leaver owned before or the joiner owns after: 1.0 if only those moved. */
        public double overChangedMember() {
            return exact() ? exactMoved / exactChangedMember : sampledMoved / sampledChangedMember;
        }
    }

    /** What one run measured. */
    public record Report(int members, int keys, List<Balance> balance, List<Movement> movement) {

        /** The tables in markdown. */
        public String toMarkdown() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(
                    Locale.ROOT,
                    "### Balance at N = %d (max share / mean share; 1.000 is perfect)%n%n"
                            + "| contender | exact | sampled, %d keys | how |%n|---|---:|---:|---|%n",
                    members,
                    keys));
            for (Balance b : balance) {
                out.append(String.format(
                        Locale.ROOT, "| %s | %s | %.4f | %s |%n", b.contender(), f4(b.exact()), b.sampled(), b.how()));
            }
            out.append(String.format(
                    Locale.ROOT,
                    "%n### Keys moved at N = %d (exact where the contender has owned key space; %d sampled keys)%n%n"
                            + "| contender | change | moved, exact | moved, sampled | optimal | moved / optimal"
                            + " | leaver's or joiner's share | moved / that share"
                            + " | survivor→survivor, exact | survivor→survivor, sampled keys |%n"
                            + "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|%n",
                    members,
                    keys));
            for (Movement m : movement) {
                out.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %s | %.4f%% | %.4f%% | %.4f | %s | %.4f | %s | %d |%n",
                        m.contender(),
                        m.change(),
                        pct(m.exactMoved()),
                        100 * m.sampledMoved(),
                        100 * m.optimal(),
                        m.overOptimal(),
                        m.exact() ? pct(m.exactChangedMember()) : pct(m.sampledChangedMember()) + " (sampled)",
                        m.overChangedMember(),
                        pct(m.exactSurvivors()),
                        m.sampledSurvivorKeys()));
            }
            return out.toString();
        }

        private static String f4(double v) {
            return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.4f", v);
        }

        private static String pct(double v) {
            return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.4f%%", 100 * v);
        }
    }

    private RingComparison() {}

    /** Runs the comparison: {@code [members] [keys]}, defaults 100 and 1,000,000. */
    public static void main(String[] args) {
        int members = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_MEMBERS;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_KEYS;
        long start = System.nanoTime();
        Report report = run(members, keys, 42);
        System.out.print(report.toMarkdown());
        System.out.printf(Locale.ROOT, "%n(%.1f s)%n", (System.nanoTime() - start) / 1e9);
    }

    /**
     * Compares every contender at {@code members} members over {@code keyCount} random 16-character keys.
     *
     * @throws IllegalArgumentException if {@code members < 3} or {@code keyCount < 1}
     */
    public static Report run(int members, int keyCount, long seed) {
        if (members < 3 || keyCount < 1) {
            throw new IllegalArgumentException(
                    "need at least 3 members and 1 key, was " + members + " members, " + keyCount + " keys");
        }
        String[] keys = Keys.random(keyCount, seed);
        List<String> base = Fixtures.memberIds(members);
        String leaverInside = base.get(members * 37 / 100);
        List<String> leaveInside = new ArrayList<>(base);
        // the last member takes the leaver's bucket: the fewest moves a numbered-bucket scheme can make
        leaveInside.set(leaveInside.indexOf(leaverInside), leaveInside.remove(leaveInside.size() - 1));
        List<String> leaveLast = new ArrayList<>(base.subList(0, members - 1));
        List<String> join = new ArrayList<>(base);
        join.add(Fixtures.memberId(members));
        Map<String, List<String>> changes = new java.util.LinkedHashMap<>();
        changes.put("leave of " + leaverInside, leaveInside);
        changes.put("leave of " + base.get(members - 1) + " (last)", leaveLast);
        changes.put("join of " + join.get(members), join);

        List<Balance> balance = new ArrayList<>();
        List<Movement> movement = new ArrayList<>();
        for (Contender c : contenders()) {
            Placed placed = c.place(null, base);
            String[] before = owners(placed, keys);
            Map<String, Double> exact = placed.exactShares();
            balance.add(new Balance(
                    c.name(),
                    exact == null ? Double.NaN : maxOverMean(exact.values(), members),
                    maxOverMean(counts(before).values(), members),
                    exact == null ? "sampled only: no owned key space to measure" : how(c)));
            for (Map.Entry<String, List<String>> change : changes.entrySet()) {
                List<String> after = change.getValue();
                Placed changed = c.place(placed, after);
                movement.add(moved(c.name(), change.getKey(), placed, changed, before, keys, base, after));
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Integer> uniform = new HashMap<>();
        for (int i = 0; i < keyCount; i++) {
            uniform.merge(base.get(random.nextInt(members)), 1, Integer::sum);
        }
        balance.add(new Balance(
                "uniform random owner (sampling noise floor)",
                Double.NaN,
                maxOverMean(uniform.values(), members),
                "what a perfectly even scheme shows when sampled with this many keys"));
        return new Report(members, keyCount, balance, movement);
    }

    private static String how(Contender c) {
        return c instanceof RingleaderContender
                ? "exact: max slots at rank 0 / (S/N)"
                : "exact: arc lengths on the circle; sampled: same keys";
    }

    static List<Contender> contenders() {
        return List.of(
                new RingleaderContender(), new GuavaJump(), new Hash4jJumpBack(), new TreeMapRing(), new Allgood());
    }

    private static String[] owners(Placed placed, String[] keys) {
        String[] out = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[i] = placed.owner(keys[i]);
        }
        return out;
    }

    private static Map<String, Integer> counts(String[] owners) {
        Map<String, Integer> counts = new HashMap<>();
        for (String o : owners) {
            counts.merge(o, 1, Integer::sum);
        }
        return counts;
    }

    private static double maxOverMean(Iterable<? extends Number> values, int members) {
        double sum = 0;
        double max = 0;
        for (Number v : values) {
            sum += v.doubleValue();
            max = Math.max(max, v.doubleValue());
        }
        return max / (sum / members);
    }

    private static Movement moved(
            String contender,
            String change,
            Placed was,
            Placed is,
            String[] before,
            String[] keys,
            List<String> wasIds,
            List<String> isIds) {
        Set<String> wasSet = new HashSet<>(wasIds);
        Set<String> isSet = new HashSet<>(isIds);
        long moved = 0;
        long survivors = 0;
        long changedMember = 0;
        for (int i = 0; i < keys.length; i++) {
            String after = is.owner(keys[i]);
            if (!isSet.contains(before[i]) || !wasSet.contains(after)) {
                changedMember++;
            }
            if (!before[i].equals(after)) {
                moved++;
                if (isSet.contains(before[i]) && wasSet.contains(after)) {
                    survivors++;
                }
            }
        }
        double[] exact = is.exactMoved(was, wasSet, isSet);
        double optimal = isIds.size() < wasIds.size() ? 1.0 / wasIds.size() : 1.0 / isIds.size();
        return new Movement(
                contender,
                change,
                optimal,
                exact == null ? Double.NaN : exact[0],
                exact == null ? Double.NaN : exact[1],
                exact == null ? Double.NaN : exact[2],
                (double) moved / keys.length,
                survivors,
                (double) changedMember / keys.length);
    }

    /** Ringleader: rings from {@code Placement.assign}, a key's owner its slot's rank-0 replica. */
    static final class RingleaderContender implements Contender {
        @Override
        public String name() {
            return "Ringleader (Placement, S=16384, R=3)";
        }

        @Override
        public Placed place(Placed previous, List<String> ids) {
            return new PlacedRing(Fixtures.placedRing(previous == null ? null : ((PlacedRing) previous).ring, ids));
        }
    }

    /** A placed Ringleader ring. */
    static final class PlacedRing implements Placed {
        final Ring ring;

        PlacedRing(Ring ring) {
            this.ring = ring;
        }

        @Override
        public String owner(String key) {
            return ring.primaryId(ring.slotOf(KeyHash.hash(key)));
        }

        @Override
        public Map<String, Double> exactShares() {
            Map<String, Double> shares = new HashMap<>();
            ring.slotCounts(0).forEach((id, slots) -> shares.put(id, (double) slots / ring.slotCount()));
            return shares;
        }

        @Override
        public double[] exactMoved(Placed before, Set<String> was, Set<String> is) {
            Ring old = ((PlacedRing) before).ring;
            int moved = 0;
            int survivors = 0;
            int changed = 0;
            for (int s = 0; s < ring.slotCount(); s++) {
                String b = old.primaryId(s);
                String a = ring.primaryId(s);
                if (!is.contains(b) || !was.contains(a)) {
                    changed++;
                }
                if (!b.equals(a)) {
                    moved++;
                    if (is.contains(b) && was.contains(a)) {
                        survivors++;
                    }
                }
            }
            double s = ring.slotCount();
            return new double[] {moved / s, survivors / s, changed / s};
        }
    }

    static final class GuavaJump implements Contender {
        private final HashFunction murmur3 = Hashing.murmur3_128();

        @Override
        public String name() {
            return "Guava consistentHash (murmur3_128)";
        }

        @Override
        public Placed place(Placed previous, List<String> ids) {
            List<String> buckets = List.copyOf(ids);
            return key -> buckets.get(
                    Hashing.consistentHash(murmur3.hashString(key, StandardCharsets.UTF_8), buckets.size()));
        }
    }

    static final class Hash4jJumpBack implements Contender {
        private final Hasher64 komihash = com.dynatrace.hash4j.hashing.Hashing.komihash5_0();
        private final ConsistentBucketHasher jumpBack =
                ConsistentHashing.jumpBackHash(PseudoRandomGeneratorProvider.splitMix64_V1());

        @Override
        public String name() {
            return "hash4j JumpBackHash (komihash 5.0)";
        }

        @Override
        public Placed place(Placed previous, List<String> ids) {
            List<String> buckets = List.copyOf(ids);
            return key -> buckets.get(jumpBack.getBucket(komihash.hashCharsToLong(key), buckets.size()));
        }
    }

    /** A ring contender whose exact figures come from its circle. */
    record PlacedCircle(Circle circle, java.util.function.Function<String, String> owners) implements Placed {
        @Override
        public String owner(String key) {
            return owners.apply(key);
        }

        @Override
        public Map<String, Double> exactShares() {
            return circle.shares();
        }

        @Override
        public double[] exactMoved(Placed before, Set<String> was, Set<String> is) {
            return Circle.moved(((PlacedCircle) before).circle, circle, was, is);
        }
    }

    static final class TreeMapRing implements Contender {
        @Override
        public String name() {
            return "TreeMap ring, 160 vnodes (XXH64)";
        }

        @Override
        public Placed place(Placed previous, List<String> ids) {
            VnodeRing<String> ring = new VnodeRing<>(ids, ids, RouteBenchmark.VNODES);
            return new PlacedCircle(new Circle(ring.points(), Circle.FULL), ring::owner);
        }
    }

    static final class Allgood implements Contender {
        @Override
        public String name() {
            return "allgood HashRing, 160 partitions (murmur3)";
        }

        @Override
        public Placed place(Placed previous, List<String> ids) {
            HashRing<SimpleNode> ring = HashRing.<SimpleNode>newBuilder()
                    .name("comparison")
                    .hasher(DefaultHasher.MURMUR_3)
                    .partitionRate(RouteBenchmark.VNODES)
                    .build();
            for (String id : ids) {
                ring.add(SimpleNode.of(id));
            }
            NavigableMap<Long, String> points = new TreeMap<>();
            points(ring)
                    .forEach((slot, partition) ->
                            points.put(slot, partition.getNode().getKey()));
            // the library hashes keys to Math.abs(murmur3): positions 0..2^63-1
            return new PlacedCircle(
                    new Circle(points, Circle.POSITIVE),
                    key -> ring.locate(key).orElseThrow().getKey());
        }

        /** The library's points, read from its private map: it has no public view of them. */
        @SuppressWarnings("unchecked")
        private static NavigableMap<Long, Partition<SimpleNode>> points(HashRing<SimpleNode> ring) {
            try {
                Field f = HashRing.class.getDeclaredField("ring");
                f.setAccessible(true);
                return (NavigableMap<Long, Partition<SimpleNode>>) f.get(ring);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("allgood HashRing has no private 'ring' map in this version", e);
            }
        }
    }
}

package io.ringleader.bench;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.ishugaliy.allgood.consistent.hash.HashRing;
import org.ishugaliy.allgood.consistent.hash.hasher.DefaultHasher;
import org.ishugaliy.allgood.consistent.hash.node.SimpleNode;
import org.ishugaliy.allgood.consistent.hash.partition.Partition;

/**
 * Compares how evenly Ringleader's ring and four other consistent hashes spread keys over members, and how many
 * keys move when one member leaves or joins. Prints markdown tables.
 *
 * <p>Balance is max/mean share: exact (from the ring's slots or arcs) where the contender has a notion of owned
 * key space, and over the sampled keys for every contender. Movement is over the sampled keys: the fraction whose
 * owner changed, divided by the optimal fraction (the leaver's {@code 1/N}, or the joiner's {@code 1/(N+1)}), and
 * the count of keys that moved between two members present before and after.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.ringleader.bench.RingComparison [members] [keys]</pre>
 */
public final class RingComparison {

    /** Members in the comparison, unless given. */
    public static final int DEFAULT_MEMBERS = 100;
    /** Sampled keys, unless given. */
    public static final int DEFAULT_KEYS = 1_000_000;

    /**
     * One contender: from the members in bucket order, a key's owner. Jump hashes number their buckets, so a leave
     * there moves the last member into the freed bucket (the cheapest re-numbering); rings ignore the order.
     */
    interface Contender {
        String name();

        Function<String, String> build(List<String> ids);

        /** Each member's exact share of the key space, or null if the contender has no such notion. */
        default Map<String, Double> exactShares(List<String> ids) {
            return null;
        }

        /** Whether the contender can say what moves on a membership change here. */
        default String movementUnsupported() {
            return null;
        }
    }

    /** A balance row: exact is NaN when the contender has no exact notion. */
    public record Balance(String contender, double exactMaxOverMean, double sampledMaxOverMean, String note) {}

    /** A movement row; NaN values when the contender's movement was not measured (see note). */
    public record Movement(
            String contender,
            String change,
            double movedFraction,
            double optimalFraction,
            double changedMemberFraction,
            long survivorToSurvivor,
            String note) {

        /** Moved keys over the optimal count ({@code 1/N} of the keys). */
        public double overOptimal() {
            return movedFraction / optimalFraction;
        }

        /** Moved keys over the keys the leaver owned before, or the joiner owns after: 1.0 if only those move. */
        public double overChangedMember() {
            return movedFraction / changedMemberFraction;
        }
    }

    /** What one run measured. */
    public record Report(int members, int keys, List<Balance> balance, List<Movement> movement) {

        /** The tables in markdown. */
        public String toMarkdown() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(
                    Locale.ROOT, "### Balance at N = %d (max share / mean share; 1.000 is perfect)%n%n", members));
            out.append("| contender | exact | sampled, ").append(keys).append(" keys | how |\n|---|---:|---:|---|\n");
            for (Balance b : balance) {
                out.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %.4f | %s |%n",
                        b.contender(),
                        Double.isNaN(b.exactMaxOverMean())
                                ? "—"
                                : String.format(Locale.ROOT, "%.4f", b.exactMaxOverMean()),
                        b.sampledMaxOverMean(),
                        b.note()));
            }
            out.append(String.format(Locale.ROOT, "%n### Keys moved at N = %d (%d sampled keys)%n%n", members, keys));
            out.append("| contender | change | moved | optimal (1/N) | moved / optimal"
                    + " | leaver's or joiner's keys | moved / those | survivor→survivor keys |\n");
            out.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
            for (Movement m : movement) {
                if (m.note() != null) {
                    out.append(String.format(
                            Locale.ROOT,
                            "| %s | %s | — | — | — | — | — | — (%s) |%n",
                            m.contender(),
                            m.change(),
                            m.note()));
                    continue;
                }
                out.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %.4f%% | %.4f%% | %.3f | %.4f%% | %.3f | %d |%n",
                        m.contender(),
                        m.change(),
                        100 * m.movedFraction(),
                        100 * m.optimalFraction(),
                        m.overOptimal(),
                        100 * m.changedMemberFraction(),
                        m.overChangedMember(),
                        m.survivorToSurvivor()));
            }
            return out.toString();
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

        List<Balance> balance = new ArrayList<>();
        List<Movement> movement = new ArrayList<>();
        for (Contender c : contenders()) {
            String[] before = owners(c.build(base), keys);
            Map<String, Double> exact = c.exactShares(base);
            balance.add(new Balance(
                    c.name(),
                    exact == null ? Double.NaN : maxOverMean(exact.values(), members),
                    maxOverMean(counts(before).values(), members),
                    exact == null ? "sampled only: no owned key space to measure" : exactHow(c)));
            String unsupported = c.movementUnsupported();
            String[][] changes = {
                {"leave of " + leaverInside, "leave"},
                {"leave of " + base.get(members - 1) + " (last)", "leaveLast"},
                {"join of " + join.get(members), "join"}
            };
            for (String[] change : changes) {
                if (unsupported != null) {
                    movement.add(
                            new Movement(c.name(), change[0], Double.NaN, Double.NaN, Double.NaN, -1, unsupported));
                    continue;
                }
                List<String> after =
                        switch (change[1]) {
                            case "leave" -> leaveInside;
                            case "leaveLast" -> leaveLast;
                            default -> join;
                        };
                movement.add(moved(c.name(), change[0], before, owners(c.build(after), keys), base, after));
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

    private static String exactHow(Contender c) {
        return c.name().startsWith("Ringleader")
                ? "exact: max slots at rank 0 / (S/N)"
                : "exact: arc lengths on the circle; sampled: same keys";
    }

    static List<Contender> contenders() {
        return List.of(
                new RingleaderContender(), new GuavaJump(), new Hash4jJumpBack(), new TreeMapRing(), new Allgood());
    }

    private static String[] owners(Function<String, String> owner, String[] keys) {
        String[] out = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[i] = owner.apply(keys[i]);
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
            String contender, String change, String[] before, String[] after, List<String> was, List<String> is) {
        java.util.Set<String> wasSet = new java.util.HashSet<>(was);
        java.util.Set<String> isSet = new java.util.HashSet<>(is);
        long moved = 0;
        long survivors = 0;
        long changedMember = 0;
        for (int i = 0; i < before.length; i++) {
            if (!isSet.contains(before[i]) || !wasSet.contains(after[i])) {
                changedMember++;
            }
            if (!before[i].equals(after[i])) {
                moved++;
                if (isSet.contains(before[i]) && wasSet.contains(after[i])) {
                    survivors++;
                }
            }
        }
        double optimal = is.size() < was.size() ? 1.0 / was.size() : 1.0 / is.size();
        return new Movement(
                contender,
                change,
                (double) moved / before.length,
                optimal,
                (double) changedMember / before.length,
                survivors,
                null);
    }

    /** Ringleader's table over a ring balanced here (no placement function exists yet in this tree). */
    static final class RingleaderContender implements Contender {
        @Override
        public String name() {
            return "Ringleader (S=16384, R=3, ring built in the bench)";
        }

        @Override
        public Function<String, String> build(List<String> ids) {
            RoutingTable table = RoutingTable.of(ring(ids), Fixtures.upMembers(ids), 0);
            return key -> table.route(key).id();
        }

        @Override
        public Map<String, Double> exactShares(List<String> ids) {
            Map<String, Double> shares = new HashMap<>();
            ring(ids).slotCounts(0).forEach((id, slots) -> shares.put(id, (double) slots / Fixtures.SLOTS));
            return shares;
        }

        @Override
        public String movementUnsupported() {
            return "not measured: no placement function (coordinator.assign.Placement) in this tree";
        }

        private static Ring ring(List<String> ids) {
            return Fixtures.balancedRing(ids, Fixtures.SLOTS, Fixtures.REPLICATION, 7);
        }
    }

    static final class GuavaJump implements Contender {
        private final HashFunction murmur3 = Hashing.murmur3_128();

        @Override
        public String name() {
            return "Guava consistentHash (murmur3_128)";
        }

        @Override
        public Function<String, String> build(List<String> ids) {
            return key -> ids.get(Hashing.consistentHash(murmur3.hashString(key, StandardCharsets.UTF_8), ids.size()));
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
        public Function<String, String> build(List<String> ids) {
            return key -> ids.get(jumpBack.getBucket(komihash.hashCharsToLong(key), ids.size()));
        }
    }

    static final class TreeMapRing implements Contender {
        @Override
        public String name() {
            return "TreeMap ring, 160 vnodes (XXH64)";
        }

        @Override
        public Function<String, String> build(List<String> ids) {
            VnodeRing<String> ring = new VnodeRing<>(ids, ids, RouteBenchmark.VNODES);
            return ring::owner;
        }

        @Override
        public Map<String, Double> exactShares(List<String> ids) {
            return new VnodeRing<>(ids, ids, RouteBenchmark.VNODES).exactShares();
        }
    }

    static final class Allgood implements Contender {
        @Override
        public String name() {
            return "allgood HashRing, 160 partitions (murmur3)";
        }

        @Override
        public Function<String, String> build(List<String> ids) {
            HashRing<SimpleNode> ring = ring(ids);
            return key -> ring.locate(key).orElseThrow().getKey();
        }

        /** Arc lengths of its partitions, read from the library's private map: keys hash to [0, 2^63). */
        @Override
        public Map<String, Double> exactShares(List<String> ids) {
            NavigableMap<Long, Partition<SimpleNode>> points = points(ring(ids));
            Map<String, Double> shares = new HashMap<>();
            long previous = points.lastKey();
            for (Map.Entry<Long, Partition<SimpleNode>> e : points.entrySet()) {
                long arc = e.getKey() - previous;
                double length = arc > 0 ? arc : arc + 0x1p63;
                shares.merge(e.getValue().getNode().getKey(), length / 0x1p63, Double::sum);
                previous = e.getKey();
            }
            return shares;
        }

        private static HashRing<SimpleNode> ring(List<String> ids) {
            HashRing<SimpleNode> ring = HashRing.<SimpleNode>newBuilder()
                    .name("comparison")
                    .hasher(DefaultHasher.MURMUR_3)
                    .partitionRate(RouteBenchmark.VNODES)
                    .build();
            for (String id : ids) {
                ring.add(SimpleNode.of(id));
            }
            return ring;
        }

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

package io.ringleader.agent.routing;

import io.ringleader.agent.membership.Member;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/** {@link Picker} with one small method per strategy, over whatever table the supplier serves. */
final class StrategyPicker implements Picker {

    /** The candidates of one routing table, with this picker's per-table state. */
    private static final class Slate {
        final RoutingTable table;
        final Member[] up;
        final AtomicInteger[] inFlight;
        /** Smooth weighted round-robin's current weights; guarded by the picker. */
        final long[] currentWeight;

        final long totalWeight;

        Slate(RoutingTable table, StrategyPicker picker) {
            this.table = table;
            List<Member> members = table.upMembers();
            this.up = members.toArray(new Member[0]);
            this.inFlight = new AtomicInteger[up.length];
            long total = 0;
            for (int i = 0; i < up.length; i++) {
                inFlight[i] = picker.counter(up[i].id());
                total += up[i].weight();
            }
            this.currentWeight = new long[up.length];
            this.totalWeight = total;
        }
    }

    private final Supplier<RoutingTable> tables;
    private final PickStrategy strategy;
    private final double epsilon;
    private final RandomGenerator random;
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger totalInFlight = new AtomicInteger();
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicReference<Slate> slate = new AtomicReference<>();

    StrategyPicker(Supplier<RoutingTable> tables, PickStrategy strategy, double epsilon, RandomGenerator random) {
        this.tables = tables;
        this.strategy = strategy;
        this.epsilon = epsilon;
        this.random = random;
    }

    @Override
    public PickStrategy strategy() {
        return strategy;
    }

    @Override
    public Member pick() {
        if (strategy.isKeyed()) {
            throw new IllegalStateException(strategy + " picks by key: call pick(key)");
        }
        Slate s = slate();
        if (s.up.length == 0) {
            throw new NoRouteException(-1, "no member is present and UP to pick from");
        }
        return switch (strategy) {
            case ROUND_ROBIN -> roundRobin(s);
            case RANDOM -> random(s);
            case WEIGHTED -> weighted(s);
            case LEAST_OUTSTANDING -> leastOutstanding(s);
            case CONSISTENT_HASH, BOUNDED_LOAD -> throw new AssertionError(strategy);
        };
    }

    @Override
    public Member pick(String key) {
        Objects.requireNonNull(key, "key");
        return switch (strategy) {
            case CONSISTENT_HASH -> tables.get().route(key);
            case BOUNDED_LOAD -> boundedLoad(slate(), key);
            default -> throw new IllegalStateException(strategy + " picks without a key: call pick()");
        };
    }

    private Member roundRobin(Slate s) {
        return s.up[(int) Math.floorMod(cursor.getAndIncrement(), (long) s.up.length)];
    }

    private Member random(Slate s) {
        RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
        return s.up[r.nextInt(s.up.length)];
    }

    /** nginx's smooth weighted round-robin: raise each by its weight, take the highest, lower it by the total. */
    private Member weighted(Slate s) {
        synchronized (s) {
            int best = 0;
            for (int i = 0; i < s.up.length; i++) {
                s.currentWeight[i] += s.up[i].weight();
                if (s.currentWeight[i] > s.currentWeight[best]) {
                    best = i;
                }
            }
            s.currentWeight[best] -= s.totalWeight;
            return s.up[best];
        }
    }

    /** The fewest in flight; scanning from a rotating start makes ties go round-robin. */
    private Member leastOutstanding(Slate s) {
        int n = s.up.length;
        int start = (int) Math.floorMod(cursor.getAndIncrement(), (long) n);
        int best = start;
        int fewest = s.inFlight[start].get();
        for (int k = 1; k < n && fewest > 0; k++) {
            int i = (start + k) % n;
            int count = s.inFlight[i].get();
            if (count < fewest) {
                best = i;
                fewest = count;
            }
        }
        return s.up[best];
    }

    /** The first replica of the key's slot, in ring order, that is UP and within the bound; else the primary. */
    private Member boundedLoad(Slate s, String key) {
        RoutingTable t = s.table;
        int slot = t.slotOf(key);
        Member primary = t.primary(slot);
        if (primary == null) {
            return t.route(key); // throws, naming the slot
        }
        long bound = (long) Math.ceil((1 + epsilon) * totalInFlight.get() / s.up.length);
        int replication = t.ring().orElseThrow().replication();
        for (int rank = 0; rank < replication; rank++) {
            Member m = t.eligibleReplica(slot, rank);
            if (m != null && outstanding(m.id()) <= bound) {
                return m;
            }
        }
        return primary;
    }

    @Override
    public Lease start(Member member) {
        onStart(member);
        AtomicBoolean open = new AtomicBoolean(true);
        return new Lease() {
            @Override
            public Member member() {
                return member;
            }

            @Override
            public void close() {
                if (open.compareAndSet(true, false)) {
                    onFinish(member);
                }
            }
        };
    }

    @Override
    public void onStart(Member member) {
        counter(member.id()).incrementAndGet();
        totalInFlight.incrementAndGet();
    }

    @Override
    public void onFinish(Member member) {
        AtomicInteger c = inFlight.get(member.id());
        if (c == null || c.getAndUpdate(v -> v > 0 ? v - 1 : 0) == 0) {
            throw new IllegalStateException("no call to member '" + member.id() + "' is in flight");
        }
        totalInFlight.decrementAndGet();
    }

    @Override
    public int outstanding(String memberId) {
        AtomicInteger c = inFlight.get(memberId);
        return c == null ? 0 : c.get();
    }

    private AtomicInteger counter(String memberId) {
        return inFlight.computeIfAbsent(memberId, id -> new AtomicInteger());
    }

    private Slate slate() {
        RoutingTable t = tables.get();
        Slate s = slate.get();
        if (s == null || s.table != t) {
            Slate fresh = new Slate(t, this);
            // One slate per table, so that WEIGHTED keeps one sequence when threads race to a new table.
            s = slate.compareAndSet(s, fresh) ? fresh : slate.get();
        }
        return s;
    }

    @Override
    public String toString() {
        return "Picker{" + strategy + (strategy == PickStrategy.BOUNDED_LOAD ? ", ε=" + epsilon : "") + "}";
    }
}

package io.ringleader.bench;

import com.dynatrace.hash4j.consistent.ConsistentBucketHasher;
import com.dynatrace.hash4j.consistent.ConsistentHashing;
import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.random.PseudoRandomGeneratorProvider;
import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.KeyHash;
import io.ringleader.agent.routing.RoutingTable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ishugaliy.allgood.consistent.hash.HashRing;
import org.ishugaliy.allgood.consistent.hash.hasher.DefaultHasher;
import org.ishugaliy.allgood.consistent.hash.node.SimpleNode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing one 16-character ASCII key to a member, hashing included, for Ringleader's routing table and four other
 * consistent hashes, over the same {@value #KEY_COUNT} pre-generated keys cycled by index. Every contender returns
 * a member object (jump hashes index a member array), so each pays the same last array read.
 *
 * <p>{@link #baseline()} measures the key cycling alone; {@link #keyHash()} Ringleader's key hash alone.
 *
 * <pre>java -jar bench/target/benchmarks.jar RouteBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RouteBenchmark {

    /** How many keys are cycled through; a power of two. */
    static final int KEY_COUNT = 4096;

    /** Virtual nodes per member on the ring contenders. */
    static final int VNODES = 160;

    @Param({"10", "100", "1000"})
    int members;

    String[] keys;
    int next;

    Member[] memberArray;
    RoutingTable ringleader;
    HashFunction murmur3;
    Hasher64 komihash;
    ConsistentBucketHasher jumpBack;
    VnodeRing<Member> treeMapRing;
    HashRing<SimpleNode> allgood;

    /** Builds every contender for {@link #members} members. */
    @Setup
    public void setUp() {
        keys = Keys.random(KEY_COUNT, 42);
        List<String> ids = Fixtures.memberIds(members);
        List<Member> upMembers = Fixtures.upMembers(ids);
        memberArray = upMembers.toArray(new Member[0]);
        ringleader = RoutingTable.of(Fixtures.placedRing(null, ids), upMembers, 0);
        murmur3 = Hashing.murmur3_128();
        komihash = com.dynatrace.hash4j.hashing.Hashing.komihash5_0();
        jumpBack = ConsistentHashing.jumpBackHash(PseudoRandomGeneratorProvider.splitMix64_V1());
        treeMapRing = new VnodeRing<>(ids, upMembers, VNODES);
        allgood = HashRing.<SimpleNode>newBuilder()
                .name("bench")
                .hasher(DefaultHasher.MURMUR_3)
                .partitionRate(VNODES)
                .build();
        for (String id : ids) {
            allgood.add(SimpleNode.of(id));
        }
    }

    private String nextKey() {
        return keys[next++ & (KEY_COUNT - 1)];
    }

    /** The key cycling alone: subtract it from the others to see the routing cost. */
    @Benchmark
    public String baseline() {
        return nextKey();
    }

    /** Ringleader's key hash alone: XXH64 of the key's bytes. */
    @Benchmark
    public long keyHash() {
        return KeyHash.hash(nextKey());
    }

    /** Ringleader: key hash, top 14 bits, one array read of the precomputed primary; ring from Placement. */
    @Benchmark
    public Member ringleader() {
        return ringleader.route(nextKey());
    }

    /** Guava's jump hash of the key's 128-bit murmur3. */
    @Benchmark
    public Member guavaJump() {
        return memberArray[
                Hashing.consistentHash(murmur3.hashString(nextKey(), StandardCharsets.UTF_8), memberArray.length)];
    }

    /** hash4j's JumpBackHash of the key's komihash 5.0. */
    @Benchmark
    public Member hash4jJumpBack() {
        return memberArray[jumpBack.getBucket(komihash.hashCharsToLong(nextKey()), memberArray.length)];
    }

    /** A TreeMap ring, 160 points per member, XXH64 for keys and points. */
    @Benchmark
    public Member treeMapRing() {
        return treeMapRing.owner(nextKey());
    }

    /** allgood-consistent-hash's HashRing, 160 partitions per node, murmur3. */
    @Benchmark
    public SimpleNode allgood() {
        return allgood.locate(nextKey()).orElseThrow();
    }
}

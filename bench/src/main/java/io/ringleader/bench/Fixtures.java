package io.ringleader.bench;

import io.ringleader.agent.membership.Endpoint;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Members and rings shared by the benchmark and the comparison. */
final class Fixtures {

    /** The slot count of the Ringleader ring under test. */
    static final int SLOTS = 16384;
    /** The replication factor of the Ringleader ring under test. */
    static final int REPLICATION = 3;

    private Fixtures() {}

    /** Member ids {@code m-0000} ... in order. */
    static List<String> memberIds(int count) {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(memberId(i));
        }
        return ids;
    }

    /** The id of member number {@code i}. */
    static String memberId(int i) {
        return String.format("m-%04d", i);
    }

    /** UP member records for {@code ids}, one endpoint each. */
    static List<Member> upMembers(List<String> ids) {
        List<Member> members = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            members.add(new Member(
                    ids.get(i),
                    new Endpoint("10.0." + (i / 250) + "." + (i % 250 + 1), 7000),
                    1,
                    null,
                    MemberState.UP,
                    Instant.EPOCH,
                    Map.of()));
        }
        return members;
    }

    /**
     * A balanced ring built here, because no placement function exists yet in this tree: members are shuffled
     * (from {@code seed}) and slot {@code s} gets replicas {@code perm[s % N], perm[(s+1) % N], ...}. Every member
     * is rank 0 of {@code floor(S/N)} or {@code ceil(S/N)} slots: balanced up to one slot.
     *
     * @throws IllegalArgumentException if {@code ids} is empty
     */
    static Ring balancedRing(List<String> ids, int slots, int replication, long seed) {
        int n = ids.size();
        if (n == 0) {
            throw new IllegalArgumentException("a ring needs at least one member");
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] table = new int[slots * replication];
        for (int s = 0; s < slots; s++) {
            for (int r = 0; r < replication; r++) {
                table[s * replication + r] = r < n ? perm[(s + r) % n] : Ring.NONE;
            }
        }
        return Ring.of(1, slots, replication, ids, table);
    }
}

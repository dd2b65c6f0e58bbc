package io.ringleader.agent.roles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RolesTest extends ZooKeeperTestBase {
    private static final int SLOTS = 64;
    private final PrimaryLog log = new PrimaryLog();
    /** Member id and thread of every role listener call. */
    private final Set<String> listenerThreads = ConcurrentHashMap.newKeySet();

    @AfterEach
    void closeAgents() {
        fixture.close();
        assertThat(log.violations())
                .as("two members primary of one slot in one epoch")
                .isEmpty();
        assertThat(listenerThreads)
                .as("role listeners run on their agent's roles thread, never on a ZooKeeper or Curator thread")
                .isNotEmpty()
                .allMatch(t -> t.matches("(\\w+) on ringleader-agent-\\1-roles"));
    }

    /** Every member's primary slots as its listener last heard them; checks one primary per slot per epoch. */
    static final class PrimaryLog {
        private final Map<String, RoleSnapshot> held = new HashMap<>();
        private final List<String> violations = new ArrayList<>();

        synchronized void record(String member, RoleChange change) {
            RoleSnapshot now = change.current();
            held.put(member, now);
            for (Map.Entry<String, RoleSnapshot> other : held.entrySet()) {
                if (other.getKey().equals(member) || !other.getValue().active() || !now.active()) {
                    continue;
                }
                SlotSet both =
                        now.primary().minus(now.primary().minus(other.getValue().primary()));
                if (!both.isEmpty() && other.getValue().epoch() == now.epoch()) {
                    violations.add(member + " and " + other.getKey() + " both primary of " + both + " at epoch 0x"
                            + Long.toHexString(now.epoch()));
                }
            }
        }

        synchronized List<String> violations() {
            return List.copyOf(violations);
        }
    }

    private Agent member(String id, MemberState state) throws Exception {
        Agent agent = fixture.start(fixture.member(id, 7000).initialState(state));
        agent.roles().listenable().addListener(change -> {
            listenerThreads.add(id + " on " + Thread.currentThread().getName());
            log.record(id, change);
        });
        return agent;
    }

    /** Slot s lists members s, s+1, s+2 (mod n) of {@code ids}. */
    private static Ring rotating(long epoch, List<String> ids) {
        int n = ids.size();
        int r = Math.min(3, n);
        int[] table = new int[SLOTS * 3];
        for (int s = 0; s < SLOTS; s++) {
            for (int k = 0; k < 3; k++) {
                table[s * 3 + k] = k < r ? (s + k) % n : Ring.NONE;
            }
        }
        return Ring.of(epoch, SLOTS, 3, ids, table);
    }

    private static void awaitRoles(Agent agent, int primaries) {
        await().atMost(WAIT)
                .until(() -> agent.roles().current().active()
                        && agent.roles().current().primary().size() == primaries
                        && agent.roles().current().epoch()
                                == agent.router().table().epoch());
    }

    @Test
    void everyAgentDerivesRoles_thatPartitionTheSlots() throws Exception {
        Agent a = member("a", MemberState.UP);
        Agent b = member("b", MemberState.UP);
        Agent c = member("c", MemberState.UP);
        await().atMost(WAIT).until(() -> a.members().size() == 3);
        writeRing(a, rotating(1, List.of("a", "b", "c")));

        for (Agent agent : List.of(a, b, c)) {
            awaitRoles(agent, SLOTS / 3 + (agent == a ? 1 : 0));
        }
        SlotSet all = a.roles()
                .current()
                .primary()
                .union(b.roles().current().primary())
                .union(c.roles().current().primary());
        assertThat(all.size()).isEqualTo(SLOTS);
        for (int slot = 0; slot < SLOTS; slot++) {
            assertThat(a.roles().current().isPrimary(slot))
                    .isEqualTo(a.router().primary(slot).id().equals("a"));
        }
        // With three members and three replicas, every member is in every slot: a backup wherever not primary.
        assertThat(a.roles().current().backup().size())
                .isEqualTo(SLOTS - a.roles().current().primary().size());
        assertThat(a.roles().current().epoch()).isEqualTo(b.roles().current().epoch());
    }

    @Test
    void aClosedPrimarysSlots_goToTheirNextBackup_atALargerEpoch_withoutAZooKeeperWrite() throws Exception {
        Agent a = member("a", MemberState.UP);
        Agent b = member("b", MemberState.UP);
        Agent c = member("c", MemberState.UP);
        await().atMost(WAIT).until(() -> a.members().size() == 3);
        Ring ring = rotating(1, List.of("a", "b", "c"));
        writeRing(a, ring);
        awaitRoles(b, 21);
        awaitRoles(a, 22);
        SlotSet aHad = a.roles().current().primary();
        long epochBefore = b.roles().current().epoch();
        long ringZxid =
                b.curator().checkExists().forPath(b.clusterPath().ring()).getMzxid();

        a.close();

        awaitRoles(b, 21 + 22);
        assertThat(b.roles().current().primary())
                .isEqualTo(b.roles().current().primary().union(aHad));
        assertThat(b.roles().current().epoch()).isGreaterThan(epochBefore);
        awaitRoles(c, 21);
        assertThat(b.curator().checkExists().forPath(b.clusterPath().ring()).getMzxid())
                .isEqualTo(ringZxid);
    }

    @Test
    void sessionExpiry_endsThePrimaryRolesAtOnce_andTheBackupsTakeOver() throws Exception {
        Agent a = member("a", MemberState.UP);
        Agent b = member("b", MemberState.UP);
        await().atMost(WAIT).until(() -> a.members().size() == 2);
        writeRing(a, rotating(1, List.of("a", "b")));
        awaitRoles(a, SLOTS / 2);
        awaitRoles(b, SLOTS / 2);
        long epochBefore = b.roles().current().epoch();
        List<RoleChange> aChanges = new CopyOnWriteArrayList<>();
        List<RoleChange> bChanges = new CopyOnWriteArrayList<>();
        a.roles().listenable().addListener(aChanges::add);
        b.roles().listenable().addListener(bChanges::add);

        KillSession.kill(a.curator().getZookeeperClient().getZooKeeper());

        // a stops at once; b takes a's slots only when ZooKeeper has removed a's old record.
        await().atMost(WAIT).until(() -> !aChanges.isEmpty());
        assertThat(aChanges.get(0).lostPrimary().size()).isEqualTo(SLOTS / 2);
        assertThat(aChanges.get(0).current().active()).isFalse();
        await().atMost(WAIT).until(() -> bChanges.stream()
                .anyMatch(ch -> ch.gainedPrimary().size() == SLOTS / 2
                        && ch.current().primary().size() == SLOTS));
        RoleChange takeover = bChanges.stream()
                .filter(ch -> ch.current().primary().size() == SLOTS)
                .findFirst()
                .orElseThrow();
        assertThat(takeover.epoch()).isGreaterThan(epochBefore);
        // a comes back under a new session and, listed first in its slots again, gets them back.
        awaitRoles(a, SLOTS / 2);
        awaitRoles(b, SLOTS / 2);
        assertThat(a.roles().current().epoch()).isGreaterThan(takeover.epoch());
    }

    @Test
    void aColdStandby_isNotPrimaryBeforeReady() throws Exception {
        Agent a = member("a", MemberState.UP);
        Agent d = member("d", MemberState.JOINING);
        await().atMost(WAIT).until(() -> a.members().size() == 2);
        writeRing(a, rotating(1, List.of("a", "d")));
        awaitRoles(a, SLOTS);
        await().atMost(WAIT)
                .until(() -> d.roles().current().active()
                        && d.roles().current().backup().size() == SLOTS);
        assertThat(d.roles().current().primary().isEmpty()).isTrue();

        d.ready();

        awaitRoles(d, SLOTS / 2);
        awaitRoles(a, SLOTS / 2);
    }

    @Test
    void catchUp_waitsForTheEpochOfAChangeMadeElsewhere() throws Exception {
        Agent a = member("a", MemberState.UP);
        writeRing(a, rotating(1, List.of("a")));
        awaitRoles(a, SLOTS);
        assertThat(a.roles().catchUp(a.roles().current().epoch(), Duration.ofSeconds(1)))
                .isTrue();

        Agent b = member("b", MemberState.UP);
        long joined =
                b.curator().checkExists().forPath(b.clusterPath().member("b")).getCzxid();
        assertThat(a.roles().catchUp(joined, WAIT)).isTrue();
        assertThat(a.roles().current().epoch()).isGreaterThanOrEqualTo(joined);
        assertThat(a.roles().catchUp(Long.MAX_VALUE, Duration.ofMillis(200))).isFalse();
    }
}

package io.ringleader.coordinator.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringleader.agent.Agent;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin commands against a running coordinator and live agents: what they ask for happens. */
class AdminCoordinatorTest extends AdminTestBase {
    private static final Duration WAIT = CoordinatorFixture.WAIT;
    private CoordinatorFixture fixture;

    @BeforeEach
    void newFixture() {
        fixture = new CoordinatorFixture(server.getConnectString(), cluster);
    }

    @AfterEach
    void closeAll() throws Exception {
        fixture.close();
    }

    private Agent member(String id) throws Exception {
        return fixture.member(id);
    }

    private Ring awaitRingOf(String... members) {
        return await().atMost(WAIT).ignoreExceptions().until(this::ring, r -> new HashSet<>(r.members())
                .equals(Set.of(members)));
    }

    private Ring startCluster(Duration rebalanceDelay, String... members) throws Exception {
        Coordinator c = fixture.coordinator("c1", rebalanceDelay);
        for (String id : members) {
            member(id);
        }
        Ring ring = awaitRingOf(members);
        await().atMost(WAIT).until(c::isActive);
        return ring;
    }

    @Test
    void drain_takesTheMemberOutOfTheRing_whileItRuns_andUndrainBringsItBack() throws Exception {
        startCluster(Duration.ofHours(1), "a", "b", "c");

        Result drain = admin("drain", "c");

        assertThat(drain.exit()).isZero();
        assertThat(drain.out()).contains("the active coordinator c1 applies it");
        Ring drained = awaitRingOf("a", "b");
        for (int slot = 0; slot < drained.slotCount(); slot++) {
            assertThat(drained.replicas(slot)).doesNotContain("c");
        }
        JsonNode members = admin("members", "--json").json().get("members");
        assertThat(members.get(2).get("state").asText()).as("c still runs").isEqualTo("UP");
        assertThat(members.get(2).get("drained").asBoolean()).isTrue();
        assertThat(members.get(2).get("replicaEntries").asInt()).isZero();
        assertThat(admin("status", "--json").json().get("coordinator").asText()).isEqualTo("c1");

        assertThat(admin("undrain", "c").exit()).isZero();
        awaitRingOf("a", "b", "c");
    }

    @Test
    void weight_movesSlotsToTheHeavierMember() throws Exception {
        startCluster(Duration.ZERO, "a", "b", "c");

        assertThat(admin("weight", "a", "2").exit()).isZero();

        await().atMost(WAIT).ignoreExceptions().until(() -> ring().slotCounts(0).get("a") == 32);
        JsonNode ringJson = admin("ring", "--json").json();
        assertThat(ringJson.get("members").get(0).get("weight").asInt()).isEqualTo(2);
        assertThat(ringJson.get("balance").get("primary").asDouble()).isEqualTo(1.0);
    }

    @Test
    void rebalance_movesADepartedMembersSlotsNow_asTheDryRunSaid() throws Exception {
        startCluster(Duration.ofHours(1), "a", "b");
        Agent leaver = member("c");
        awaitRingOf("a", "b", "c");
        leaver.close();
        member("d");
        Ring kept = awaitRingOf("a", "b", "c", "d");

        JsonNode dryRun = admin("rebalance", "--dry-run", "--json").json();
        assertThat(dryRun.get("lost").has("c")).isTrue();
        assertThat(ring()).as("the dry run wrote nothing").isEqualTo(kept);

        Result r = admin("rebalance", "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.json().get("request").asLong()).isEqualTo(1);
        assertThat(r.json().get("coordinator").asText()).isEqualTo("c1");
        Ring moved = awaitRingOf("a", "b", "d");
        assertThat(moved.epoch()).isGreaterThan(kept.epoch());
        assertThat(admin("rebalance", "--dry-run").out()).contains("nothing would move");
    }

    @Test
    void aMemberWithSlots_becomesAnIdleSpare_bySpareDrainUndrain_andTakesOverADepartedMember() throws Exception {
        fixture.coordinator("c1", Duration.ZERO);
        member("a");
        Agent b = member("b");
        member("s");
        awaitRingOf("a", "b", "s");

        Result spare = admin("spare", "s");
        assertThat(spare.out()).contains("s holds slots, so it stays active");
        assertThat(admin("drain", "s").exit()).isZero();
        awaitRingOf("a", "b");
        // Undrained, s holds no slots and is a spare in the config: it stays out of the ring.
        assertThat(admin("undrain", "s").exit()).isZero();
        Ring before = awaitRingOf("a", "b");

        b.close();

        Ring after = awaitRingOf("a", "s");
        for (int slot = 0; slot < before.slotCount(); slot++) {
            List<String> was = before.replicas(slot);
            List<String> now = after.replicas(slot);
            for (int rank = 0; rank < was.size(); rank++) {
                assertThat(now.get(rank)).isEqualTo(was.get(rank).equals("b") ? "s" : was.get(rank));
            }
        }
    }

    @Test
    void importingTheRing_whileACoordinatorIsActive_isRefused_butTheConfigAloneIsApplied() throws Exception {
        startCluster(Duration.ofHours(1), "a", "b", "c");
        Path file = tmp.resolve("backup.json");
        assertThat(admin("drain", "c").exit()).isZero();
        awaitRingOf("a", "b");
        assertThat(admin("export", file.toString()).exit()).isZero();
        assertThat(admin("undrain", "c").exit()).isZero();
        awaitRingOf("a", "b", "c");
        Stat config = stat(path.config());
        Stat ring = stat(path.ring());

        Result refused = admin("import", file.toString());

        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.line())
                .isEqualTo("coordinator c1 is active in cluster '" + cluster + "' and owns the ring; nothing was"
                        + " written: stop every coordinator to restore the ring, or pass --config-only to restore the"
                        + " config alone");
        assertThat(stat(path.config()).getVersion()).isEqualTo(config.getVersion());
        assertThat(stat(path.ring()).getVersion()).isEqualTo(ring.getVersion());

        Result configOnly = admin("import", file.toString(), "--config-only");

        assertThat(configOnly.exit()).as(configOnly.err()).isZero();
        assertThat(configOnly.out()).contains("ring: not restored (--config-only)");
        awaitRingOf("a", "b");
    }

    private static int entriesOf(Ring ring, String id) {
        int n = 0;
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            n += ring.replicas(slot).contains(id) ? 1 : 0;
        }
        return n;
    }

    @Test
    void failoverOfAMember_leavesItPrimaryOfNothing_throughAJoin_andFailbackGivesItsShareBack() throws Exception {
        fixture.coordinator("c1", Duration.ZERO);
        Agent a = member("a");
        member("b");
        member("c");
        Ring placed = awaitRingOf("a", "b", "c");
        await().atMost(WAIT).until(() -> !a.roles().current().primary().isEmpty());

        Result failover = admin("failover", "--member", "a", "--wait", "--json");

        assertThat(failover.exit()).as(failover.err()).isZero();
        Ring pinned = ring();
        assertThat(failover.json().get("ringEpoch").asLong()).isEqualTo(pinned.epoch());
        assertThat(failover.json().get("slotsMoved").asInt())
                .isEqualTo(placed.slotCounts(0).get("a"));
        assertThat(pinned.slotCounts(0).get("a")).isZero();
        assertThat(entriesOf(pinned, "a")).as("a keeps its entries").isEqualTo(entriesOf(placed, "a"));
        await().atMost(WAIT).until(() -> a.roles().current().primary().isEmpty());
        assertThat(admin("primaries", "--member", "a").out()).startsWith("a is primary of 0 slots");

        member("d");
        Ring joined = awaitRingOf("a", "b", "c", "d");
        assertThat(joined.slotCounts(0).get("a"))
                .as("still failed over after a join")
                .isZero();
        assertThat(entriesOf(joined, "a")).isEqualTo(entriesOf(joined, "d"));

        Result failback = admin("failback", "--member", "a", "--wait");

        assertThat(failback.exit()).as(failback.err()).isZero();
        assertThat(failback.out()).startsWith("failed back a from every slot: primaries move to [a (");
        assertThat(failback.out()).contains("ring epoch 0x" + Long.toHexString(ring().epoch()) + " shows it");
        Ring back = ring();
        assertThat(back.slotCounts(0).get("a")).isEqualTo(back.slotCounts(0).get("d"));
        await().atMost(WAIT).until(() -> !a.roles().current().primary().isEmpty());
    }

    @Test
    void failoverOfASlot_givesItToItsFirstBackup_andTheNextActiveCoordinatorKeepsThePin() throws Exception {
        Coordinator first = fixture.coordinator("c1", Duration.ZERO);
        await().atMost(WAIT).until(first::isActive);
        Coordinator second = fixture.coordinator("c2", Duration.ZERO);
        member("a");
        member("b");
        member("c");
        Ring placed = awaitRingOf("a", "b", "c");
        String primary = placed.primaryId(5);
        String backup = placed.replicas(5).get(1);

        Result r = admin("failover", "--slot", "5", "--wait");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("slot 5 failed over from " + primary + ": " + backup + " becomes its primary");
        Ring pinned = ring();
        assertThat(pinned.replicas(5)).containsExactly(backup, primary);
        for (int slot = 0; slot < placed.slotCount(); slot++) {
            if (slot != 5) {
                assertThat(pinned.replicas(slot)).as("slot %d", slot).isEqualTo(placed.replicas(slot));
            }
        }
        JsonNode primaries = admin("primaries", "--member", backup, "--json").json();
        assertThat(primaries.get("epoch").asLong()).isEqualTo(pinned.epoch());

        first.close();
        await().atMost(WAIT).until(second::isActive);
        member("d");

        Ring joined = awaitRingOf("a", "b", "c", "d");
        assertThat(joined.primaryId(5))
                .as("the pin outlives the coordinator that applied it")
                .isNotEqualTo(primary);
        await().atMost(WAIT).until(() -> second.writes() >= 1);
        assertThat(second.writes())
                .as("the new active coordinator wrote the join only")
                .isEqualTo(1);
        assertThat(admin("status").out()).contains("slot 5 from " + primary);
    }
}

package io.ringleader.coordinator.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.OperatorConfig;
import io.ringleader.coordinator.assign.Participant;
import io.ringleader.coordinator.assign.Placement;
import io.ringleader.coordinator.assign.PlacementConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ringleader admin failover} and {@code failback} without a coordinator: what they write, print and refuse.
 * With a coordinator, {@link AdminCoordinatorTest}.
 */
class FailoverCommandTest extends AdminTestBase {
    /** A config written before each refusal, whose version must not change. */
    private static final OperatorConfig BEFORE = OperatorConfig.empty().withWeight("a", 2);

    /** The version of the config znode now. */
    private int configVersion() throws Exception {
        return stat(path.config()).getVersion();
    }

    /** Runs the command, which must fail with {@code exit} and one line containing {@code message}, writing nothing. */
    private void refused(int exit, String message, String command, String... args) throws Exception {
        int version = stat(path.config()) == null ? -1 : configVersion();

        Result r = admin(command, args);

        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.line()).contains(message);
        assertThat(r.out()).isEmpty();
        assertThat(stat(path.config()) == null ? -1 : configVersion())
                .as("nothing was written")
                .isEqualTo(version);
    }

    /** The first slot whose replica list is {@code [first, ...]}. */
    private static int slotLedBy(Ring ring, String first) {
        for (int s = 0; s < ring.slotCount(); s++) {
            if (first.equals(ring.primaryId(s))) {
                return s;
            }
        }
        throw new AssertionError("no slot led by " + first);
    }

    @Test
    void failoverOfASlot_pinsItsPrimary_andPrintsWhoTakesOver() throws Exception {
        Ring ring = clusterWithRing("a", "b", "c");
        int slot = slotLedBy(ring, "b");
        String next = ring.replicas(slot).get(1);

        Result r = admin("failover", "--slot", Integer.toString(slot));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .isEqualTo("slot " + slot + " failed over from b: " + next + " becomes its primary (config version 0);"
                        + " no coordinator is active: the ring changes when one starts" + System.lineSeparator());
        assertThat(config().failedOverSlots()).containsExactly(Map.entry(slot, "b"));

        JsonNode again =
                admin("failover", "--slot", Integer.toString(slot), "--json").json();
        assertThat(again.get("slot").asInt()).isEqualTo(slot);
        assertThat(again.get("member").asText()).isEqualTo("b");
        assertThat(again.get("newPrimary").asText()).isEqualTo(next);
        assertThat(again.get("takenOverBy").get(next).asInt()).isEqualTo(1);
        assertThat(again.get("slotsMoved").asInt()).isEqualTo(1);
        assertThat(again.get("slotsKept").asInt()).isZero();
        assertThat(again.get("changed").asBoolean()).isFalse();
        assertThat(again.get("configVersion").asInt()).isZero();
        assertThat(again.get("coordinator").isNull()).isTrue();
        assertThat(again.get("ringEpoch").isNull()).isTrue();
        assertThat(admin("failover", "--slot", Integer.toString(slot)).out()).contains("was already failed over");
    }

    @Test
    void failoverOfAMember_pinsIt_andCountsTheSlotsEachReplicaTakesOver_andFailbackUndoesIt() throws Exception {
        Ring ring = clusterWithRing("a", "b", "c");
        int led = ring.slotCounts(0).get("a");

        JsonNode json = admin("failover", "--member", "a", "--json").json();

        assertThat(json.get("slot").isNull()).isTrue();
        assertThat(json.get("member").asText()).isEqualTo("a");
        assertThat(json.get("newPrimary").isNull()).isTrue();
        assertThat(json.get("slotsMoved").asInt()).isEqualTo(led);
        assertThat(json.get("slotsKept").asInt()).isZero();
        assertThat(json.get("takenOverBy").get("b").asInt()
                        + json.get("takenOverBy").get("c").asInt())
                .isEqualTo(led);
        assertThat(json.get("changed").asBoolean()).isTrue();
        assertThat(config().failedOverMembers()).containsExactly("a");
        Result status = admin("status");
        assertThat(status.out()).contains("failovers").contains("a from every slot");
        assertThat(admin("status", "--json")
                        .json()
                        .get("config")
                        .get("failedOverMembers")
                        .toString())
                .isEqualTo("[\"a\"]");

        Result back = admin("failback", "--member", "a");

        assertThat(back.exit()).as(back.err()).isZero();
        assertThat(back.out())
                .as("without a coordinator the ring was never pinned")
                .startsWith("failed back a from every slot: no primary moves (config version 1);");
        assertThat(config().failedOverMembers()).isEmpty();
        assertThat(admin("failback", "--member", "a").out()).startsWith("a is not failed over; nothing written");
    }

    @Test
    void failbackAll_removesEveryPin_andSaysWhich() throws Exception {
        clusterWithRing("a", "b", "c");
        writeConfig(BEFORE.withFailedOverMember("a", true).withFailedOverSlot(3, "b"));

        JsonNode json = admin("failback", "--all", "--json").json();

        assertThat(json.get("all").asBoolean()).isTrue();
        assertThat(json.get("failedBack").get("failedOverMembers").toString()).isEqualTo("[\"a\"]");
        assertThat(json.get("failedBack").get("failedOverSlots").toString()).isEqualTo("{\"3\":\"b\"}");
        assertThat(json.get("changed").asBoolean()).isTrue();
        assertThat(config()).isEqualTo(BEFORE);
        assertThat(admin("failback", "--all").out()).startsWith("nothing is failed over; nothing written");
    }

    @ParameterizedTest
    @ValueSource(strings = {"failover", "failback"})
    void notExactlyOneTarget_isBadUsage_exit2(String command) throws Exception {
        clusterWithRing("a", "b");
        writeConfig(BEFORE);

        refused(2, "give exactly one of --slot N", command);
        refused(2, "give exactly one of --slot N", command, "--slot", "1", "--member", "a");
        refused(2, "--slot must be 0 or more, was -1", command, "--slot", "-1");
        refused(2, "--wait must be between 1s and 1h, was PT2H", command, "--member", "a", "--wait", "2h");
    }

    @Test
    void failover_refusesWhatItCannotDo_inOneLine_exit1_writingNothing() throws Exception {
        createCluster();
        member("a", MemberState.UP, 1);
        writeConfig(BEFORE);
        refused(1, "has no ring yet; start a coordinator", "failover", "--slot", "0");

        Ring ring = Placement.assign(
                        null,
                        List.of(Participant.active("a", 1, null), Participant.active("b", 1, null)),
                        new PlacementConfig(64, 2))
                .ring();
        member("b", MemberState.UP, 1);
        writeRing(ring);
        member("x", MemberState.UP, 1);
        refused(
                1,
                "slot 64 is out of range: the ring of cluster '" + cluster + "' has 64 slots, 0-63",
                "failover",
                "--slot",
                "64");
        refused(1, "no member 'zz' in cluster", "failover", "--member", "zz");
        refused(1, "x holds no slot in the ring", "failover", "--member", "x");

        int slot = slotLedBy(ring, "a");
        writeConfig(BEFORE.withFailedOverSlot(slot, "b"));
        refused(
                1,
                "slot " + slot + " is already failed over from b (a leads it now); nothing was written: fail it"
                        + " back first with 'ringleader admin failback --slot " + slot + "'",
                "failover",
                "--slot",
                Integer.toString(slot));

        writeConfig(BEFORE);
        client.delete().forPath(path.member("b"));
        refused(
                1,
                "no other replica of slot " + slot + " is live and UP (b absent): none can take over from a",
                "failover",
                "--slot",
                Integer.toString(slot));
        refused(1, "no other replica of the 64 slots a leads is live and UP", "failover", "--member", "a");
        int standIn = slotLedBy(ring, "b");
        refused(
                1,
                "a leads slot " + standIn + " only while b, listed before it, is not live and UP",
                "failover",
                "--slot",
                Integer.toString(standIn));
    }

    @Test
    void failover_withOneReplicaPerSlot_isRefused() throws Exception {
        createCluster();
        member("a", MemberState.UP, 1);
        member("b", MemberState.UP, 1);
        writeRing(Placement.assign(
                        null,
                        List.of(Participant.active("a", 1, null), Participant.active("b", 1, null)),
                        new PlacementConfig(64, 1))
                .ring());
        writeConfig(BEFORE);

        refused(
                1,
                "the ring has one replica per slot: no other replica can take over from a",
                "failover",
                "--member",
                "a");
        refused(
                1,
                "slot " + slotLedBy(ring(), "a") + " has one replica only, a: no other replica can take over",
                "failover",
                "--slot",
                Integer.toString(slotLedBy(ring(), "a")));
    }

    @Test
    void failback_ofSomethingUnknown_isRefused() throws Exception {
        clusterWithRing("a", "b");
        writeConfig(BEFORE);

        refused(1, "no member 'zz' in cluster", "failback", "--member", "zz");
        refused(1, "slot 64 is out of range", "failback", "--slot", "64");
        assertThat(admin("failback", "--slot", "3").out()).startsWith("slot 3 is not failed over; nothing written");
    }

    @Test
    void failoverWait_withoutACoordinator_runsOutOfTime_sayingWhatIsWritten() throws Exception {
        clusterWithRing("a", "b");

        Result r = admin("failover", "--member", "a", "--wait", "1s");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line())
                .isEqualTo("the ring did not show a failed over within 1s (config version 0 is written; no coordinator"
                        + " is active: start one); check with 'ringleader admin status'");
        assertThat(config().failedOverMembers()).containsExactly("a");
    }
}

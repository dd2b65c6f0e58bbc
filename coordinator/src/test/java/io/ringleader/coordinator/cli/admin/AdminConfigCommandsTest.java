package io.ringleader.coordinator.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.OperatorConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdminConfigCommandsTest extends AdminTestBase {

    @Test
    void drain_writesTheConfig_andAgainWritesNothing_andUndrainTakesItBack() throws Exception {
        clusterWithRing("a", "b");

        Result drain = admin("drain", "b");

        assertThat(drain.exit()).isZero();
        assertThat(drain.out())
                .startsWith("b is drained (config version 0); no coordinator is active: the ring changes when one"
                        + " starts")
                .contains("64 replica entries of b move to the other members");
        assertThat(config().drained()).containsExactly("b");

        Result again = admin("drain", "b", "--json");
        JsonNode json = again.json();
        assertThat(json.get("member").asText()).isEqualTo("b");
        assertThat(json.get("drained").asBoolean()).isTrue();
        assertThat(json.get("changed").asBoolean()).isFalse();
        assertThat(json.get("configVersion").asInt()).isZero();
        assertThat(json.get("coordinator").isNull()).isTrue();
        assertThat(stat(path.config()).getVersion()).isZero();

        JsonNode undrain = admin("undrain", "b", "--json").json();
        assertThat(undrain.get("drained").asBoolean()).isFalse();
        assertThat(undrain.get("changed").asBoolean()).isTrue();
        assertThat(undrain.get("configVersion").asInt()).isEqualTo(1);
        assertThat(config().drained()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"drain", "undrain", "spare", "unspare"})
    void anUnknownMember_isOneLineWithTheMembers_exit1_andNothingIsWritten(String command) throws Exception {
        clusterWithRing("a", "b");

        Result r = admin(command, "kv-9");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line())
                .isEqualTo("no member 'kv-9' in cluster '" + cluster + "' (its members: a, b); list them with"
                        + " 'ringleader admin members'");
        assertThat(stat(path.config())).isNull();
    }

    @Test
    void aMemberNamedOnlyByTheConfig_canBeCleanedUp() throws Exception {
        clusterWithRing("a");
        writeConfig(OperatorConfig.empty().withDrained("gone", true));

        Result r = admin("undrain", "gone");

        assertThat(r.exit()).isZero();
        assertThat(config().drained()).isEmpty();
    }

    @Test
    void aConfigThatCannotBeParsed_isNotOverwritten_exit1() throws Exception {
        clusterWithRing("a", "b");
        writeConfig("{\"format\":1,\"drained\":".getBytes(StandardCharsets.UTF_8));
        Stat before = stat(path.config());

        Result r = admin("drain", "a");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line())
                .startsWith("the operator config cannot be parsed (" + path.config() + ": not JSON")
                .endsWith(
                        "); nothing was written: restore it with 'ringleader admin import' or delete " + path.config());
        assertThat(stat(path.config()).getVersion()).isEqualTo(before.getVersion());
    }

    @Test
    void spare_andUnspare_writeTheConfig_andSayWhenTheMemberHoldsSlots() throws Exception {
        clusterWithRing("a", "b");
        member("s", MemberState.UP, 1);

        Result idle = admin("spare", "s");
        Result holding = admin("spare", "a", "--json");

        assertThat(idle.exit()).isZero();
        assertThat(idle.out()).startsWith("s is spare (config version 0)").doesNotContain("holds slots");
        JsonNode json = holding.json();
        assertThat(json.get("spare").asBoolean()).isTrue();
        assertThat(json.get("note").asText())
                .isEqualTo("a holds slots, so it stays active: drain it, then undrain it, to make it an idle spare");
        assertThat(config().spares()).containsExactly("a", "s");

        assertThat(admin("unspare", "a").exit()).isZero();
        assertThat(config().spares()).containsExactly("s");
    }

    @Test
    void weight_overridesAndResets_keepingTheRestOfTheConfig() throws Exception {
        clusterWithRing("a", "b");
        writeConfig(OperatorConfig.empty().withDrained("b", true));

        Result set = admin("weight", "a", "7");
        JsonNode json = admin("weight", "a", "7", "--json").json();

        assertThat(set.exit()).isZero();
        assertThat(set.out()).startsWith("a has weight 7 (its record says 1) (config version 1)");
        assertThat(json.get("member").asText()).isEqualTo("a");
        assertThat(json.get("weight").asInt()).isEqualTo(7);
        assertThat(json.get("recordWeight").asInt()).isEqualTo(1);
        assertThat(json.get("changed").asBoolean()).isFalse();
        assertThat(config().weights()).containsEntry("a", 7);
        assertThat(config().drained()).containsExactly("b");

        Result reset = admin("weight", "a", "--reset");
        assertThat(reset.out()).startsWith("a has no weight override: its record's weight 1 applies");
        assertThat(config().weights()).isEmpty();
        assertThat(config().drained()).containsExactly("b");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a 0|weight must be between 1 and 10000, was 0. Try 'ringleader admin weight --help'.",
                "a 10001|weight must be between 1 and 10000, was 10001. Try 'ringleader admin weight --help'.",
                "a abc|Invalid value for positional parameter at index 1 (W): 'abc' is not an int."
                        + " Try 'ringleader admin weight --help'.",
                "a|give either a weight W (1-10000) or --reset. Try 'ringleader admin weight --help'.",
                "a 3 --reset|give either a weight W (1-10000) or --reset. Try 'ringleader admin weight --help'."
            })
    void aBadWeight_isOneLine_exit2_andNothingIsWritten(String argsAndLine) throws Exception {
        clusterWithRing("a");
        String[] parts = argsAndLine.split("\\|");

        Result r = admin("weight", parts[0].split(" "));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.line()).isEqualTo(parts[1]);
        assertThat(stat(path.config())).isNull();
    }

    @Test
    void weight_ofAnUnknownMember_exit1_andNothingIsWritten() throws Exception {
        clusterWithRing("a");

        Result r = admin("weight", "zz", "2");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line()).startsWith("no member 'zz' in cluster '" + cluster + "' (its members: a)");
        assertThat(stat(path.config())).isNull();
    }

    @Test
    void rebalanceDelay_setsAndResetsTheOverride_andRefusesAnOutOfRangeOne() throws Exception {
        clusterWithRing("a");

        JsonNode set = admin("rebalance-delay", "90s", "--json").json();
        assertThat(set.get("rebalanceDelay").asText()).isEqualTo("PT1M30S");
        assertThat(config().rebalanceDelay()).isEqualTo(Duration.ofSeconds(90));

        Result tooLong = admin("rebalance-delay", "25h");
        assertThat(tooLong.exit()).isEqualTo(2);
        assertThat(tooLong.line())
                .isEqualTo("the rebalance delay must be between 0s and 24h, was PT25H."
                        + " Try 'ringleader admin rebalance-delay --help'.");
        Result notADuration = admin("rebalance-delay", "soon");
        assertThat(notADuration.exit()).isEqualTo(2);
        assertThat(notADuration.line()).contains("'soon' is not a duration");
        assertThat(config().rebalanceDelay()).isEqualTo(Duration.ofSeconds(90));

        Result reset = admin("rebalance-delay", "--reset");
        assertThat(reset.out()).startsWith("the coordinators' own rebalance delay applies (config version 1)");
        assertThat(config().rebalanceDelay()).isNull();
    }

    @Test
    void rebalanceDryRun_showsTheMovesOfADepartedMember_andWritesNothing() throws Exception {
        Ring ring = clusterWithRing("a", "b", "c");
        client.delete().forPath(path.member("c"));

        Result text = admin("rebalance", "--dry-run", "--limit", "3");
        JsonNode json =
                admin("rebalance", "--dry-run", "--json", "--limit", "0").json();

        int entriesOfC = 0;
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            entriesOfC += ring.replicas(slot).contains("c") ? 1 : 0;
        }
        assertThat(text.exit()).isZero();
        assertThat(text.out())
                .startsWith("plan from ring epoch 0x" + Long.toHexString(ring.epoch()) + ":")
                .contains("  c: +0 -" + entriesOfC + "\n")
                .contains("c departed")
                .contains(" more moves (--limit 0 lists them all)")
                .endsWith("dry run: nothing written" + System.lineSeparator());
        assertThat(json.get("dryRun").asBoolean()).isTrue();
        assertThat(json.get("ringEpoch").asLong()).isEqualTo(ring.epoch());
        assertThat(json.get("moveCount").asInt()).isGreaterThanOrEqualTo(entriesOfC);
        assertThat(json.get("moves")).hasSize(json.get("moveCount").asInt());
        assertThat(json.get("lost").get("c").asInt()).isEqualTo(entriesOfC);
        assertThat(json.get("moves").findValuesAsText("reason")).contains("DEPARTED");
        assertThat(json.get("request").isNull()).isTrue();
        assertThat(stat(path.config())).isNull();
        assertThat(ring()).isEqualTo(ring);
    }

    @Test
    void rebalanceDryRun_ofAPlacedRing_movesNothing() throws Exception {
        clusterWithRing("a", "b");

        Result r = admin("rebalance", "--dry-run");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("nothing would move");
    }

    @Test
    void rebalanceDryRun_showsWhatADrainWouldMove() throws Exception {
        Ring ring = clusterWithRing("a", "b", "c");
        writeConfig(OperatorConfig.empty().withDrained("a", true));

        JsonNode json =
                admin("rebalance", "--dry-run", "--json", "--limit", "0").json();

        int entriesOfA = 0;
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            entriesOfA += ring.replicas(slot).contains("a") ? 1 : 0;
        }
        assertThat(json.get("lost").get("a").asInt()).isEqualTo(entriesOfA);
        assertThat(json.get("gained").has("a")).isFalse();
        assertThat(json.get("moves").findValuesAsText("reason")).contains("DRAINED");
    }

    @Test
    void rebalance_withoutAnActiveCoordinator_exit1_andNothingIsWritten() throws Exception {
        clusterWithRing("a", "b", "c");
        client.delete().forPath(path.member("c"));

        Result r = admin("rebalance");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line())
                .isEqualTo("no coordinator is active in cluster '" + cluster + "', so nothing would apply a rebalance;"
                        + " nothing was written: start one (ringleader coordinator --cluster " + cluster + ")");
        assertThat(stat(path.config())).isNull();
    }

    @Test
    void rebalance_withoutARing_exit1() throws Exception {
        createCluster();

        Result r = admin("rebalance", "--dry-run");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line()).startsWith("cluster '" + cluster + "' has no ring yet");
    }
}

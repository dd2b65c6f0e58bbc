package io.ringleader.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.membership.Endpoint;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.assign.Participant;
import io.ringleader.coordinator.assign.Role;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OperatorConfigCodecTest {
    private static final String PATH = "/ringleader/t/config";

    private static OperatorConfig decode(String json) throws MalformedRecordException {
        return OperatorConfigCodec.decode(PATH, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aConfig_roundTrips_andIsWrittenWithEveryField() throws Exception {
        OperatorConfig config = OperatorConfig.empty()
                .withWeight("kv-1", 3)
                .withDrained("kv-2", true)
                .withSpare("kv-9", true)
                .withRebalanceDelay(Duration.ofMinutes(2))
                .withRebalanceRequested()
                .withFailedOverSlot(17, "kv-2")
                .withFailedOverSlot(3, "kv-1")
                .withFailedOverMember("kv-4", true);

        String json = OperatorConfigCodec.toJson(config);

        assertThat(json)
                .isEqualTo("{\"format\":1,\"weights\":{\"kv-1\":3},\"drained\":[\"kv-2\"],\"spares\":[\"kv-9\"],"
                        + "\"rebalanceDelay\":\"PT2M\",\"rebalanceRequests\":1,"
                        + "\"failedOverSlots\":{\"3\":\"kv-1\",\"17\":\"kv-2\"},\"failedOverMembers\":[\"kv-4\"]}");
        assertThat(decode(json)).isEqualTo(config);
        assertThat(decode(OperatorConfigCodec.toJson(OperatorConfig.empty()))).isEqualTo(OperatorConfig.empty());
    }

    @Test
    void aRecordWrittenBeforeFailovers_decodesWithNone_andDescribeNamesThemOnlyWhenSet() throws Exception {
        OperatorConfig old = decode("{\"format\":1,\"weights\":{},\"drained\":[\"kv-3\"],\"spares\":[],"
                + "\"rebalanceDelay\":null,\"rebalanceRequests\":2}");

        assertThat(old.failedOverSlots()).isEmpty();
        assertThat(old.failedOverMembers()).isEmpty();
        assertThat(old.pins().isEmpty()).isTrue();
        assertThat(old.describe()).isEqualTo("1 drained [kv-3], no spares, no weight overrides");

        OperatorConfig pinned = old.withFailedOverMember("kv-4", true).withFailedOverSlot(17, "kv-2");
        assertThat(pinned.describe())
                .isEqualTo("1 drained [kv-3], no spares, no weight overrides, failed over: kv-4 from every slot, "
                        + "slot 17 from kv-2");
        assertThat(pinned.ids()).contains("kv-2", "kv-4");
        assertThat(pinned.isEmpty()).isFalse();
        assertThat(pinned.pins().pins(17, "kv-2")).isTrue();
        assertThat(pinned.pins().pins(16, "kv-2")).isFalse();
        assertThat(pinned.pins().pins(16, "kv-4")).isTrue();
        assertThat(pinned.withoutFailovers()).isEqualTo(old);
        assertThat(pinned.withFailedOverSlot(17, null).withFailedOverMember("kv-4", false))
                .isEqualTo(old);
    }

    @Test
    void everyFieldButFormat_mayBeLeftOut_andDelaysTakeTheOperatorsForms() throws Exception {
        assertThat(decode("{\"format\":1}")).isEqualTo(OperatorConfig.empty());
        OperatorConfig config = decode("{\"format\":1,\"drained\":[\"a\",\"a\"],\"rebalanceDelay\":\"90s\",\"x\":1}");
        assertThat(config.drained()).containsExactly("a");
        assertThat(config.rebalanceDelay()).isEqualTo(Duration.ofSeconds(90));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "|empty operator config",
                "{\"format\":1,\"drained\":|not JSON",
                "[1]|not a JSON object",
                "{\"drained\":[]}|no integer 'format'",
                "{\"format\":2}|format 2 is not supported",
                "{\"format\":1,\"weights\":{\"a\":0}}|weight of a must be between 1 and 10000, was 0",
                "{\"format\":1,\"weights\":{\"a\":\"2\"}}|weight of a is not an integer",
                "{\"format\":1,\"weights\":[1]}|field 'weights' is not an object",
                "{\"format\":1,\"drained\":\"a\"}|field 'drained' is not an array",
                "{\"format\":1,\"spares\":[1]}|an entry of 'spares' is not a string",
                "{\"format\":1,\"spares\":[\"a/b\"]}|member id must be 1-128 characters",
                "{\"format\":1,\"rebalanceDelay\":\"soon\"}|'soon' is not a duration",
                "{\"format\":1,\"rebalanceDelay\":\"25h\"}|rebalance delay must be between 0s and PT24H",
                "{\"format\":1,\"rebalanceRequests\":-1}|rebalance requests must not be negative",
                "{\"format\":1,\"failedOverSlots\":[1]}|field 'failedOverSlots' is not an object",
                "{\"format\":1,\"failedOverSlots\":{\"x\":\"a\"}}|a key of 'failedOverSlots' is not a slot number",
                "{\"format\":1,\"failedOverSlots\":{\"-1\":\"a\"}}|slot must be between 0 and 65535, was -1",
                "{\"format\":1,\"failedOverSlots\":{\"65536\":\"a\"}}|between 0 and 65535, was 65536",
                "{\"format\":1,\"failedOverSlots\":{\"1\":2}}|the member failed over from slot 1 is not a string",
                "{\"format\":1,\"failedOverSlots\":{\"1\":\"a b\"}}|member id must be 1-128 characters",
                "{\"format\":1,\"failedOverMembers\":\"a\"}|field 'failedOverMembers' is not an array"
            })
    void aMalformedConfig_isRejected_namingThePathAndTheProblem(String jsonAndProblem) {
        String[] parts = jsonAndProblem.split("\\|", 2);

        assertThatThrownBy(() -> decode(parts[0]))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageStartingWith(PATH + ": ")
                .hasMessageContaining(parts[1])
                .hasMessageNotContaining("\n");
    }

    @Test
    void aConfigOverItsBudget_isRefusedOnEncode_andOnDecode() {
        TreeMap<String, Integer> weights = new TreeMap<>();
        for (int i = 0; weights.size() < 3000; i++) {
            weights.put("member-with-a-rather-long-name-of-its-own-number-" + "x".repeat(60) + i, 2);
        }
        OperatorConfig big = new OperatorConfig(weights, new TreeSet<>(), new TreeSet<>(), null, 0);

        assertThatThrownBy(() -> OperatorConfigCodec.encode(big))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("over the budget of " + OperatorConfigCodec.MAX_BYTES + " bytes");
        byte[] tooLong = new byte[OperatorConfigCodec.MAX_BYTES + 1];
        assertThatThrownBy(() -> OperatorConfigCodec.decode(PATH, tooLong))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("over the budget");
    }

    @Test
    void participants_applyWeightsDrainsAndSpares_toPresentAndKeptMembers() {
        OperatorConfig config = OperatorConfig.empty()
                .withWeight("a", 5)
                .withDrained("b", true)
                .withSpare("c", true)
                .withSpare("d", true)
                .withDrained("gone", true);
        Ring previous = Ring.of(1, 4, 1, List.of("a", "d", "gone"), new int[] {0, 1, 2, 0});
        List<Member> present = List.of(
                member("a", MemberState.UP),
                member("b", MemberState.UP),
                member("c", MemberState.UP),
                member("d", MemberState.UP),
                member("e", MemberState.SPARE));

        List<Participant> out = config.participants(present, previous, List.of(Participant.active("gone", 2, null)));

        Map<String, Participant> byId = new TreeMap<>();
        out.forEach(p -> byId.put(p.id(), p));
        assertThat(byId.get("a")).isEqualTo(new Participant("a", 5, null, Role.ACTIVE));
        assertThat(byId.get("b").role()).isEqualTo(Role.DRAINED);
        assertThat(byId.get("c").role()).isEqualTo(Role.SPARE);
        assertThat(byId.get("d").role())
                .as("a spare that holds slots is active")
                .isEqualTo(Role.ACTIVE);
        assertThat(byId.get("e").role()).as("a spare by its record").isEqualTo(Role.SPARE);
        assertThat(byId.get("gone")).isEqualTo(new Participant("gone", 2, null, Role.DRAINED));
    }

    private static Member member(String id, MemberState state) {
        return new Member(id, new Endpoint("127.0.0.1", 7000), 1, null, state, Instant.EPOCH, Map.of());
    }
}

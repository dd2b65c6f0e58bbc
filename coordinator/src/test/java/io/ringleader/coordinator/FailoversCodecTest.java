package io.ringleader.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.assign.Failovers;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FailoversCodecTest {
    private static final String PATH = "/ringleader/t/failovers";

    @Test
    void aRecord_roundTrips_andBelongsToItsRingOnly() throws Exception {
        Failovers failovers = Failovers.of(4, Map.of(1, 1, 3, 2));

        byte[] bytes = FailoversCodec.encode(42, failovers);
        FailoversCodec.Stored stored = FailoversCodec.decode(PATH, bytes);

        assertThat(new String(bytes, StandardCharsets.UTF_8))
                .startsWith("{\"format\":1,\"ringEpoch\":42,\"slots\":4,\"count\":2,\"turns\":\"");
        assertThat(stored.ringEpoch()).isEqualTo(42);
        assertThat(stored.failovers()).isEqualTo(failovers);
        assertThat(stored.failovers().bySlot()).containsExactly(Map.entry(1, 1), Map.entry(3, 2));
        Ring ring = Ring.of(42, 4, 3, List.of("a", "b", "c"), new int[] {0, 1, 2, 1, 2, 0, 2, 0, 1, 0, 1, 2});
        assertThat(stored.of(ring)).isEqualTo(failovers);
        Ring later = Ring.of(43, 4, 3, ring.members(), ring.replicaTable());
        assertThat(stored.of(later).isEmpty())
                .as("another ring's record is ignored")
                .isTrue();
        assertThat(FailoversCodec.path(ClusterPath.of("t"))).isEqualTo(PATH);
    }

    @Test
    void theLargestRing_turnedEverywhere_staysWithinTheBudget() throws Exception {
        Random random = new Random(7);
        Map<Integer, Integer> turns = new HashMap<>();
        for (int s = 0; s < Ring.MAX_SLOTS; s++) {
            turns.put(s, 1 + random.nextInt(Ring.MAX_REPLICATION - 1));
        }
        Failovers all = Failovers.of(Ring.MAX_SLOTS, turns);

        byte[] bytes = FailoversCodec.encode(1, all);

        assertThat(bytes.length).isLessThan(FailoversCodec.MAX_BYTES);
        assertThat(FailoversCodec.decode(PATH, bytes).failovers()).isEqualTo(all);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "|empty failovers record",
                "{\"format\":2}|format 2 is not supported",
                "{\"format\":1,\"slots\":4,\"turns\":\"\"}|field 'ringEpoch' is missing",
                "{\"format\":1,\"ringEpoch\":1,\"slots\":0,\"turns\":\"\"}|slots must be between 1 and 65536",
                "{\"format\":1,\"ringEpoch\":1,\"slots\":4}|field 'turns' is missing",
                "{\"format\":1,\"ringEpoch\":1,\"slots\":4,\"turns\":\"!!\"}|Illegal base64",
                "{\"format\":1,\"ringEpoch\":1,\"slots\":4,\"turns\":\"AAAA\"}|'turns' is not zlib data",
                "{\"format\":1,\"ringEpoch\":1,\"slots\":4,\"turns\":\"eJxjAAAAAQAB\"}|inflates to 1 bytes",
                "{\"format\":1,\"ringEpoch\":1,\"slots\":4,\"turns\":\"eJxjZ2BgAAAAIAAI\"}|turn of slot 0"
            })
    void aMalformedRecord_isRejected_namingThePathAndTheProblem(String jsonAndProblem) {
        String[] parts = jsonAndProblem.split("\\|", 2);

        assertThatThrownBy(() -> FailoversCodec.decode(PATH, parts[0].getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageStartingWith(PATH + ": ")
                .hasMessageContaining(parts[1])
                .hasMessageNotContaining("\n");
    }
}

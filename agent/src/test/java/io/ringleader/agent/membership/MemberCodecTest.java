package io.ringleader.agent.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringleader.agent.layout.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemberCodecTest {
    private static final String PATH = "/ringleader/c/members/kv-1";

    private static Member member() {
        return new Member(
                "kv-1",
                new Endpoint("10.0.0.7", 7001),
                3,
                "eu-1a",
                MemberState.JOINING,
                Instant.parse("2026-11-22T14:03:11.207Z"),
                Map.of("http", "http://10.0.0.7:8081", "rack", "r7"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void encodeThenDecode_givesTheSameRecord() throws Exception {
        Member m = member();
        assertThat(MemberCodec.decode(PATH, "kv-1", MemberCodec.encode(m))).isEqualTo(m);
    }

    @Test
    void encodedRecord_isTheDocumentedJson() {
        assertThat(MemberCodec.toJson(member()))
                .isEqualTo("{\"format\":1,\"id\":\"kv-1\",\"endpoint\":{\"host\":\"10.0.0.7\",\"port\":7001},"
                        + "\"weight\":3,\"zone\":\"eu-1a\",\"state\":\"JOINING\","
                        + "\"startedAt\":\"2026-11-22T14:03:11.207Z\","
                        + "\"attributes\":{\"http\":\"http://10.0.0.7:8081\",\"rack\":\"r7\"}}");
    }

    @Test
    void unknownFields_areIgnored_andZoneAndAttributesAreOptional() throws Exception {
        Member m = MemberCodec.decode(
                PATH,
                "kv-1",
                utf8("{\"format\":1,\"id\":\"kv-1\",\"endpoint\":{\"host\":\"h\",\"port\":1},\"weight\":1,"
                        + "\"state\":\"UP\",\"startedAt\":\"2026-01-01T00:00:00Z\",\"later\":true}"));
        assertThat(m.zone()).isNull();
        assertThat(m.attributes()).isEmpty();
        assertThat(m.state()).isEqualTo(MemberState.UP);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "not json | hello | not JSON",
                "empty | '' | empty member record",
                "array | [1] | not a JSON object",
                "no format | {\"id\":\"kv-1\"} | no integer 'format'",
                "future format | {\"format\":2} | format 2 is not supported",
                "id mismatch | {\"format\":1,\"id\":\"kv-2\"} | differs from the znode name",
                "no endpoint | {\"format\":1,\"id\":\"kv-1\"} | no 'endpoint' object",
                "bad port | {\"format\":1,\"id\":\"kv-1\",\"endpoint\":{\"host\":\"h\",\"port\":0}} | port must be",
                "bad state | {\"format\":1,\"id\":\"kv-1\",\"endpoint\":{\"host\":\"h\",\"port\":1},\"weight\":1,"
                        + "\"state\":\"ZOMBIE\",\"startedAt\":\"2026-01-01T00:00:00Z\"} | ZOMBIE",
                "bad weight | {\"format\":1,\"id\":\"kv-1\",\"endpoint\":{\"host\":\"h\",\"port\":1},\"weight\":0,"
                        + "\"state\":\"UP\",\"startedAt\":\"2026-01-01T00:00:00Z\"} | weight must be",
                "bad time | {\"format\":1,\"id\":\"kv-1\",\"endpoint\":{\"host\":\"h\",\"port\":1},\"weight\":1,"
                        + "\"state\":\"UP\",\"startedAt\":\"yesterday\"} | yesterday",
            })
    void malformedRecords_areRejectedNamingPathAndProblem(String name, String json, String problem) {
        assertThatThrownBy(() -> MemberCodec.decode(PATH, "kv-1", utf8(json)))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageStartingWith(PATH + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void recordOverTheSizeBudget_isRefusedBeforeWriting() {
        Member big = member().withAttributes(Map.of("blob", "x".repeat(MemberCodec.MAX_BYTES)));
        assertThatThrownBy(() -> MemberCodec.encode(big))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("over the budget of " + MemberCodec.MAX_BYTES + " bytes");
    }
}

package io.ringleader.agent.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.layout.MalformedRecordException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

class RingCodecTest {
    private static final String PATH = "/ringleader/c/ring";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void encodeThenDecode_givesTheSameRing() throws Exception {
        Ring ring = RingTest.small();
        assertThat(RingCodec.decode(PATH, RingCodec.encode(ring))).isEqualTo(ring);
        Ring tail = Ring.of(9, 2, 3, List.of("a", "b"), new int[] {0, 1, -1, 1, 0, -1});
        assertThat(RingCodec.decode(PATH, RingCodec.encode(tail))).isEqualTo(tail);
        Ring empty = Ring.of(0, 1, 1, List.of(), new int[] {-1});
        assertThat(RingCodec.decode(PATH, RingCodec.encode(empty))).isEqualTo(empty);
    }

    @Test
    void randomRings_roundTrip() throws Exception {
        long seed = 99;
        Random random = new Random(seed);
        for (int i = 0; i < 200; i++) {
            Ring ring = randomRing(random, 1 << random.nextInt(11), 1 + random.nextInt(7), random.nextInt(40));
            assertThat(RingCodec.decode(PATH, RingCodec.encode(ring)))
                    .as("seed %d ring #%d", seed, i)
                    .isEqualTo(ring);
        }
    }

    @Test
    void encodedRing_isTheDocumentedJson() throws Exception {
        Ring ring = RingTest.small();
        ObjectNode root = (ObjectNode) JSON.readTree(RingCodec.encode(ring));
        assertThat(root.fieldNames())
                .toIterable()
                .containsExactly("format", "epoch", "slots", "replication", "members", "replicas");
        assertThat(root.get("format").intValue()).isEqualTo(1);
        assertThat(root.get("epoch").longValue()).isEqualTo(5);
        assertThat(root.get("slots").intValue()).isEqualTo(4);
        assertThat(root.get("replication").intValue()).isEqualTo(2);
        assertThat(root.get("members").toString()).isEqualTo("[\"a\",\"b\",\"c\"]");
        byte[] raw = inflate(Base64.getDecoder().decode(root.get("replicas").textValue()));
        assertThat(raw).containsExactly(0, 0, 0, 1, 0, 1, 0, 2, 0, 2, 0, 0, 0, 0, 0, 2);
        Ring tail = Ring.of(9, 1, 3, List.of("a", "b"), new int[] {1, 0, -1});
        ObjectNode t = (ObjectNode) JSON.readTree(RingCodec.encode(tail));
        assertThat(inflate(Base64.getDecoder().decode(t.get("replicas").textValue())))
                .containsExactly(0, 1, 0, 0, 0xFF, 0xFF);
        assertThat(RingCodec.toJson(tail)).startsWith("{\"format\":1,\"epoch\":9,\"slots\":1,\"replication\":3,");
    }

    @Test
    void thousandMembers_fitTheBudget() throws Exception {
        int n = 1000;
        int slots = 16384;
        int r = 3;
        List<String> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(String.format("kv-%04d.eu-west-1a", i));
        }
        // Balanced random assignment: each rank is a shuffled sequence of equal shares, no member twice in a slot.
        Random random = new Random(1000);
        int[] table = new int[slots * r];
        for (int rank = 0; rank < r; rank++) {
            List<Integer> deck = new ArrayList<>();
            for (int s = 0; s < slots; s++) {
                deck.add(s % n);
            }
            java.util.Collections.shuffle(deck, random);
            for (int s = 0; s < slots; s++) {
                table[s * r + rank] = deck.get(s);
            }
        }
        for (int s = 0; s < slots; s++) {
            for (int rank = 1; rank < r; rank++) {
                while (contains(table, s * r, rank, table[s * r + rank])) {
                    int other = random.nextInt(slots);
                    int tmp = table[other * r + rank];
                    if (!contains(table, s * r, rank, tmp)
                            && !containsExcept(table, other * r, r, rank, table[s * r + rank])) {
                        table[other * r + rank] = table[s * r + rank];
                        table[s * r + rank] = tmp;
                    }
                }
            }
        }
        Ring ring = Ring.of(123456789L, slots, r, members, table);
        byte[] encoded = RingCodec.encode(ring);
        System.out.printf(
                "encoded ring: %d members, S=%d, R=%d: %d bytes (budget %d)%n",
                n, slots, r, encoded.length, RingCodec.MAX_BYTES);
        assertThat(encoded.length).isLessThan(RingCodec.MAX_BYTES);
        assertThat(RingCodec.decode(PATH, encoded)).isEqualTo(ring);
    }

    @Test
    void ringOverTheBudget_isRefusedOnEncode() {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            members.add("member-with-a-rather-long-identifier-" + i);
        }
        int[] table = new int[65536];
        Random random = new Random(3);
        for (int s = 0; s < table.length; s++) {
            table[s] = random.nextInt(members.size());
        }
        Ring ring = Ring.of(0, 65536, 1, members, table);
        assertThatThrownBy(() -> RingCodec.encode(ring))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("encoded ring is \\d+ bytes, over the budget of 524288 bytes .*");
    }

    @Test
    void malformedRecords_areRefused_namingPathAndProblem() {
        String good = "\"format\":1,\"epoch\":1,\"slots\":2,\"replication\":1,\"members\":[\"a\",\"b\"]";
        assertMalformed(new byte[0], "empty ring record");
        assertMalformed(new byte[RingCodec.MAX_BYTES + 1], "over the budget of 524288 bytes");
        assertMalformed(utf8("not json"), "not JSON");
        assertMalformed(utf8("[1,2]"), "not a JSON object");
        assertMalformed(utf8("{\"epoch\":1}"), "no integer 'format' field");
        assertMalformed(utf8("{\"format\":2}"), "ring format 2 is not supported (this reader reads 1)");
        assertMalformed(utf8("{\"format\":1,\"slots\":2}"), "field 'epoch' is missing or not an integer");
        assertMalformed(
                utf8("{\"format\":1,\"epoch\":-1,\"slots\":2,\"replication\":1,\"members\":[],\"replicas\":\""
                        + replicas(0xFFFF, 0xFFFF) + "\"}"),
                "epoch must be >= 0, was -1");
        assertMalformed(utf8("{\"format\":1,\"epoch\":1,\"slots\":3,\"replication\":1}"), "was 3");
        assertMalformed(utf8("{\"format\":1,\"epoch\":1,\"slots\":2,\"replication\":9}"), "was 9");
        assertMalformed(
                utf8("{\"format\":1,\"epoch\":1,\"slots\":2,\"replication\":1,\"members\":\"a\"}"),
                "field 'members' is missing or not an array");
        assertMalformed(
                utf8("{\"format\":1,\"epoch\":1,\"slots\":2,\"replication\":1,\"members\":[1]}"),
                "member table entry 0 is not a string");
        assertMalformed(utf8("{" + good + "}"), "field 'replicas' is missing or not a string");
        assertMalformed(utf8("{" + good + ",\"replicas\":\"@@@\"}"), "'replicas' is not base64");
        assertMalformed(
                utf8("{" + good + ",\"replicas\":\"" + Base64.getEncoder().encodeToString(utf8("plain")) + "\"}"),
                "'replicas' is not valid zlib data");
        assertMalformed(utf8("{" + good + ",\"replicas\":\"" + replicas(0) + "\"}"), "inflates to 2 bytes, expected 4");
        assertMalformed(
                utf8("{" + good + ",\"replicas\":\"" + replicas(0, 1, 0) + "\"}"), "inflates to more than 4 bytes");
        byte[] truncated = deflate(u16(0, 1));
        String cut = Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(truncated, truncated.length - 3));
        assertMalformed(utf8("{" + good + ",\"replicas\":\"" + cut + "\"}"), "replica table");
        byte[] trailing = java.util.Arrays.copyOf(truncated, truncated.length + 2);
        assertMalformed(
                utf8("{" + good + ",\"replicas\":\"" + Base64.getEncoder().encodeToString(trailing) + "\"}"),
                "2 bytes after the end of its zlib data");
        assertMalformed(
                utf8("{" + good + ",\"replicas\":\"" + replicas(0, 2) + "\"}"),
                "slot 1 rank 0 has member index 2, but the member table has 2 members");
        String twoRanks = "\"format\":1,\"epoch\":1,\"slots\":1,\"replication\":2,\"members\":[\"a\",\"b\"]";
        assertMalformed(
                utf8("{" + twoRanks + ",\"replicas\":\"" + replicas(1, 1) + "\"}"),
                "slot 0 lists b twice (ranks 0 and 1)");
        assertMalformed(
                utf8("{" + twoRanks + ",\"replicas\":\"" + replicas(0xFFFF, 1) + "\"}"),
                "slot 0 rank 1 lists b after an empty rank");
        assertMalformed(
                utf8("{\"format\":1,\"epoch\":1,\"slots\":1,\"replication\":1,\"members\":[\"a\",\"a\"],\"replicas\":\""
                        + replicas(0) + "\"}"),
                "member 'a' appears twice in the member table");
    }

    @Test
    void zipBomb_stopsAtTheExpectedSize() {
        // 64 MiB of zeros deflate to about 64 KiB; the reader must not inflate past S * R * 2 = 4 bytes.
        byte[] bomb = deflate(new byte[64 * 1024 * 1024]);
        String good = "\"format\":1,\"epoch\":1,\"slots\":2,\"replication\":1,\"members\":[\"a\",\"b\"]";
        assertMalformed(
                utf8("{" + good + ",\"replicas\":\"" + Base64.getEncoder().encodeToString(bomb) + "\"}"),
                "inflates to more than 4 bytes");
    }

    @Test
    void unknownFields_areIgnored() throws Exception {
        String json = "{\"format\":1,\"epoch\":1,\"slots\":2,\"replication\":1,\"members\":[\"a\",\"b\"],"
                + "\"writer\":\"coordinator-2\",\"replicas\":\"" + replicas(1, 0) + "\"}";
        Ring ring = RingCodec.decode(PATH, utf8(json));
        assertThat(ring.primaryId(0)).isEqualTo("b");
        assertThat(ring.primaryId(1)).isEqualTo("a");
    }

    private static void assertMalformed(byte[] data, String problem) {
        assertThatThrownBy(() -> RingCodec.decode(PATH, data))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageStartingWith(PATH + ": ")
                .hasMessageContaining(problem);
    }

    static Ring randomRing(Random random, int slots, int r, int n) {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add("m" + i + (random.nextBoolean() ? "" : "-é"));
        }
        int[] table = new int[slots * r];
        for (int s = 0; s < slots; s++) {
            List<Integer> pick = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                pick.add(i);
            }
            java.util.Collections.shuffle(pick, random);
            int len = Math.min(r, n) - (n > 0 && random.nextInt(10) == 0 ? 1 : 0);
            for (int k = 0; k < r; k++) {
                table[s * r + k] = k < len ? pick.get(k) : -1;
            }
        }
        return Ring.of(random.nextInt(1_000_000), slots, r, members, table);
    }

    private static boolean contains(int[] table, int base, int upTo, int v) {
        for (int k = 0; k < upTo; k++) {
            if (table[base + k] == v) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsExcept(int[] table, int base, int r, int except, int v) {
        for (int k = 0; k < r; k++) {
            if (k != except && table[base + k] == v) {
                return true;
            }
        }
        return false;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] u16(int... values) {
        byte[] raw = new byte[values.length * 2];
        for (int i = 0; i < values.length; i++) {
            raw[2 * i] = (byte) (values[i] >>> 8);
            raw[2 * i + 1] = (byte) values[i];
        }
        return raw;
    }

    private static String replicas(int... values) {
        return Base64.getEncoder().encodeToString(deflate(u16(values)));
    }

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater();
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    private static byte[] inflate(byte[] data) throws Exception {
        java.util.zip.Inflater inf = new java.util.zip.Inflater();
        inf.setInput(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!inf.finished()) {
            out.write(buf, 0, inf.inflate(buf));
        }
        inf.end();
        return out.toByteArray();
    }
}

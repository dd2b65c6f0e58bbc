package io.ringleader.agent.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.testing.Rings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingChunksTest {
    private static final String PATH = "/ringleader/c/ring";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRingOverOneRecord_splitsAndAssemblesToTheSameRing() throws Exception {
        Ring ring = Rings.random(42, 2_000, 18, 65536, 5, 1);
        byte[] whole = RingCodec.encodeWhole(ring);
        assertThat(whole.length).isGreaterThan(RingCodec.MAX_BYTES);
        List<byte[]> chunks = RingChunks.split(whole, RingChunks.CHUNK_BYTES);
        assertThat(chunks).hasSize((whole.length + RingChunks.CHUNK_BYTES - 1) / RingChunks.CHUNK_BYTES);
        assertThat(chunks).allSatisfy(c -> assertThat(c.length).isBetween(1, RingChunks.CHUNK_BYTES));
        String dir = RingChunks.Header.dirName(42, 0x3fa2c1d0);
        RingChunks.Header header = RingChunks.header(42, dir, whole, chunks.size());
        byte[] encoded = RingChunks.encodeHeader(header);
        assertThat(RingChunks.headerOf(PATH, encoded)).isEqualTo(header);
        assertThat(RingChunks.assemble(PATH, header, chunks)).isEqualTo(ring);
    }

    @Test
    void theHeader_isTheDocumentedJson() throws Exception {
        byte[] whole = "0123456789".getBytes(StandardCharsets.UTF_8);
        RingChunks.Header header = RingChunks.header(7, RingChunks.Header.dirName(7, 0x3fa2c1d0), whole, 2);
        ObjectNode root = (ObjectNode) JSON.readTree(RingChunks.encodeHeader(header));
        assertThat(root.fieldNames())
                .toIterable()
                .containsExactly("format", "epoch", "chunks", "count", "bytes", "crc32");
        assertThat(root.toString())
                .isEqualTo("{\"format\":2,\"epoch\":7,\"chunks\":\"0000000000000007-3fa2c1d0\",\"count\":2,"
                        + "\"bytes\":10,\"crc32\":\"a684c7c6\"}");
    }

    @Test
    void theLargestRingTheModelAllows_fitsTheBudgetOfARingInChunks() throws Exception {
        Ring ring = Rings.random(1, Ring.MAX_MEMBERS, 128, Ring.MAX_SLOTS, Ring.MAX_REPLICATION, 2);
        byte[] whole = RingCodec.encodeWhole(ring);
        assertThat(whole.length).isLessThan(RingCodec.MAX_WHOLE_BYTES);
        assertThat(RingCodec.decodeWhole(PATH, whole)).isEqualTo(ring);
    }

    @Test
    void aWholeRingRecord_isNotAHeader() throws Exception {
        assertThat(RingChunks.headerOf(PATH, RingCodec.encode(RingTest.small())))
                .isNull();
        assertThat(RingChunks.headerOf(PATH, "{not json".getBytes(StandardCharsets.UTF_8)))
                .isNull();
        assertThat(RingChunks.headerOf(PATH, new byte[0])).isNull();
    }

    @Test
    void chunksThatDoNotMatchTheirHeader_areRefused_namingTheProblem() throws Exception {
        Ring ring = RingTest.small();
        byte[] whole = RingCodec.encodeWhole(ring);
        List<byte[]> chunks = RingChunks.split(whole, 16);
        String dir = RingChunks.Header.dirName(ring.epoch(), 1);
        RingChunks.Header header = RingChunks.header(ring.epoch(), dir, whole, chunks.size());
        assertThat(RingChunks.assemble(PATH, header, chunks)).isEqualTo(ring);

        assertAssembleFails(header, chunks.subList(0, chunks.size() - 1), "chunks, the header says " + chunks.size());
        List<byte[]> flipped = new ArrayList<>(chunks);
        byte[] first = flipped.get(0).clone();
        first[3] ^= 1;
        flipped.set(0, first);
        assertAssembleFails(header, flipped, "has CRC-32");
        List<byte[]> shorter = new ArrayList<>(chunks);
        shorter.set(0, new byte[] {'{'});
        assertAssembleFails(header, shorter, "bytes, the header says " + whole.length);
        RingChunks.Header otherEpoch = RingChunks.header(ring.epoch() + 1, dir, whole, chunks.size());
        assertAssembleFails(otherEpoch, chunks, "holds ring epoch " + ring.epoch() + ", the header says");
    }

    @Test
    void malformedHeaders_areRefused_namingPathAndField() {
        assertHeaderFails("{\"format\":2}", "field 'epoch' is missing");
        assertHeaderFails("{\"format\":2,\"epoch\":1}", "field 'chunks' is missing");
        assertHeaderFails(
                "{\"format\":2,\"epoch\":1,\"chunks\":\"../x\",\"count\":1,\"bytes\":1,\"crc32\":\"00000000\"}",
                "chunk directory must be 16 hex digits");
        assertHeaderFails(
                "{\"format\":2,\"epoch\":1,\"chunks\":\"0000000000000001-00000000\",\"count\":1,\"bytes\":1}",
                "field 'crc32' is missing");
        assertHeaderFails(
                "{\"format\":2,\"epoch\":1,\"chunks\":\"0000000000000001-00000000\",\"count\":2,\"bytes\":1,"
                        + "\"crc32\":\"00000000\"}",
                "count must be between 1 and bytes");
        assertHeaderFails(
                "{\"format\":2,\"epoch\":1,\"chunks\":\"0000000000000001-00000000\",\"count\":1,\"bytes\":999999999,"
                        + "\"crc32\":\"00000000\"}",
                "bytes must be between 1 and " + RingCodec.MAX_WHOLE_BYTES);
    }

    private static void assertAssembleFails(RingChunks.Header header, List<byte[]> chunks, String problem) {
        assertThatThrownBy(() -> RingChunks.assemble(PATH, header, chunks))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining(PATH)
                .hasMessageContaining(problem);
    }

    private static void assertHeaderFails(String json, String problem) {
        assertThatThrownBy(() -> RingChunks.headerOf(PATH, json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining(PATH)
                .hasMessageContaining("chunked ring header: " + problem);
    }
}

package io.ringleader.agent.ring;

import static io.ringleader.agent.layout.RecordFields.firstLine;
import static io.ringleader.agent.layout.RecordFields.integer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.layout.MalformedRecordException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Encodes and decodes the ring znode, format version {@value Ring#FORMAT_VERSION}.
 *
 * <pre>{@code
 * {"format":1,"epoch":7,"slots":16384,"replication":3,"members":["kv-1","kv-2","kv-3"],
 *  "replicas":"eJzt..."}
 * }</pre>
 *
 * <p>{@code replicas} is the base64 (RFC 4648, with padding) of the zlib-deflated replica table: {@code S * R}
 * big-endian unsigned 16-bit member indexes, slot-major, {@code 0xFFFF} meaning "no replica". Unknown fields are
 * ignored; any other {@code format} number is rejected. A ring record is at most {@value #MAX_BYTES} bytes; a larger
 * ring (at most {@value #MAX_WHOLE_BYTES}) is stored in chunks ({@link RingChunks}) and decoded with {@link
 * #decodeWhole} once assembled.
 */
public final class RingCodec {

    /** The size budget of an encoded ring, half of ZooKeeper's default {@code jute.maxbuffer} of 1 MB. */
    public static final int MAX_BYTES = 512 * 1024;

    /**
     * The size budget of a ring stored in chunks ({@link RingChunks}): 8 MiB, 16 chunks. The largest ring the model
     * allows (32,767 members of 128-character ids, 65,536 slots, 7 random replicas) encodes to about 5.5 MB
     * ({@code bench}: {@code RingRecordSizes}).
     */
    public static final int MAX_WHOLE_BYTES = 8 * 1024 * 1024;

    private static final int NONE_U16 = 0xFFFF;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RingCodec() {}

    /**
     * Encodes a ring as UTF-8 JSON.
     *
     * @throws IllegalArgumentException if the encoded ring is over {@value #MAX_BYTES} bytes; the message names its
     *     size and the budget
     */
    public static byte[] encode(Ring ring) {
        return encode(ring, MAX_BYTES);
    }

    /**
     * Encodes a ring as UTF-8 JSON, to be stored in chunks where it is over {@value #MAX_BYTES} bytes.
     *
     * @throws IllegalArgumentException if the encoded ring is over {@value #MAX_WHOLE_BYTES} bytes
     */
    public static byte[] encodeWhole(Ring ring) {
        return encode(ring, MAX_WHOLE_BYTES);
    }

    private static byte[] encode(Ring ring, int budget) {
        short[] table = ring.table();
        byte[] raw = new byte[table.length * 2];
        for (int i = 0; i < table.length; i++) {
            int v = table[i] == Ring.NONE ? NONE_U16 : table[i];
            raw[2 * i] = (byte) (v >>> 8);
            raw[2 * i + 1] = (byte) v;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("format", Ring.FORMAT_VERSION);
        root.put("epoch", ring.epoch());
        root.put("slots", ring.slotCount());
        root.put("replication", ring.replication());
        ArrayNode members = root.putArray("members");
        ring.members().forEach(members::add);
        root.put("replicas", Base64.getEncoder().encodeToString(deflate(raw)));
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode ring at epoch " + ring.epoch(), e);
        }
        if (bytes.length > budget) {
            throw new IllegalArgumentException("encoded ring is " + bytes.length + " bytes, over the budget of "
                    + budget + " bytes (" + ring.members().size() + " members, " + ring.slotCount() + " slots, "
                    + "replication " + ring.replication() + ")");
        }
        return bytes;
    }

    /**
     * Decodes the ring stored at {@code path}.
     *
     * @param path the znode path, used in error messages
     * @throws MalformedRecordException naming the path and the first problem found: empty or over the budget, not
     *     JSON, an unknown format, a missing or invalid field, bad base64 or zlib data, a table of the wrong length,
     *     an index out of range, a member twice in one slot
     */
    public static Ring decode(String path, byte[] data) throws MalformedRecordException {
        return decode(path, data, MAX_BYTES);
    }

    /**
     * Decodes a ring assembled from chunks ({@link RingChunks#assemble}): as {@link #decode}, with the budget of
     * {@value #MAX_WHOLE_BYTES} bytes.
     */
    public static Ring decodeWhole(String path, byte[] data) throws MalformedRecordException {
        return decode(path, data, MAX_WHOLE_BYTES);
    }

    private static Ring decode(String path, byte[] data, int budget) throws MalformedRecordException {
        if (data == null || data.length == 0) {
            throw new MalformedRecordException(path, "empty ring record");
        }
        if (data.length > budget) {
            throw new MalformedRecordException(
                    path, "ring record of " + data.length + " bytes is over the budget of " + budget + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(data);
        } catch (Exception e) {
            throw new MalformedRecordException(path, "not JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedRecordException(path, "ring record is not a JSON object");
        }
        JsonNode format = root.get("format");
        if (format == null || !format.isIntegralNumber() || !format.canConvertToInt()) {
            throw new MalformedRecordException(path, "ring record has no integer 'format' field");
        }
        if (format.intValue() != Ring.FORMAT_VERSION) {
            throw new MalformedRecordException(
                    path,
                    "ring format " + format.intValue() + " is not supported (this reader reads " + Ring.FORMAT_VERSION
                            + ")");
        }
        try {
            JsonNode epochNode = root.get("epoch");
            if (epochNode == null || !epochNode.isIntegralNumber() || !epochNode.canConvertToLong()) {
                throw new IllegalArgumentException("field 'epoch' is missing or not an integer");
            }
            long epoch = epochNode.longValue();
            int slots = integer(root, "slots");
            int replication = integer(root, "replication");
            if (slots < 1 || slots > Ring.MAX_SLOTS || Integer.bitCount(slots) != 1) {
                throw new IllegalArgumentException(
                        "slots must be a power of two between 1 and " + Ring.MAX_SLOTS + ", was " + slots);
            }
            if (replication < 1 || replication > Ring.MAX_REPLICATION) {
                throw new IllegalArgumentException(
                        "replication must be between 1 and " + Ring.MAX_REPLICATION + ", was " + replication);
            }
            JsonNode membersNode = root.get("members");
            if (membersNode == null || !membersNode.isArray()) {
                throw new IllegalArgumentException("field 'members' is missing or not an array");
            }
            if (membersNode.size() > Ring.MAX_MEMBERS) {
                throw new IllegalArgumentException(
                        "member table has " + membersNode.size() + " members, more than " + Ring.MAX_MEMBERS);
            }
            List<String> members = new ArrayList<>(membersNode.size());
            for (JsonNode m : membersNode) {
                if (!m.isTextual()) {
                    throw new IllegalArgumentException("member table entry " + members.size() + " is not a string");
                }
                members.add(m.textValue());
            }
            JsonNode replicasNode = root.get("replicas");
            if (replicasNode == null || !replicasNode.isTextual()) {
                throw new IllegalArgumentException("field 'replicas' is missing or not a string");
            }
            byte[] compressed;
            try {
                compressed = Base64.getDecoder().decode(replicasNode.textValue());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'replicas' is not base64 (" + e.getMessage() + ")");
            }
            int entries = slots * replication;
            byte[] raw = inflateExactly(compressed, entries * 2);
            short[] table = new short[entries];
            for (int i = 0; i < entries; i++) {
                int v = (raw[2 * i] & 0xFF) << 8 | (raw[2 * i + 1] & 0xFF);
                if (v != NONE_U16 && v >= members.size()) {
                    throw new IllegalArgumentException("slot " + i / replication + " rank " + i % replication
                            + " has member index " + v + ", but the member table has " + members.size()
                            + " members");
                }
                table[i] = v == NONE_U16 ? (short) Ring.NONE : (short) v;
            }
            return new Ring(epoch, slots, replication, members, table);
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException(path, firstLine(e.getMessage()));
        }
    }

    /** The ring as the JSON text stored in ZooKeeper. */
    public static String toJson(Ring ring) {
        return new String(encode(ring), StandardCharsets.UTF_8);
    }

    private static byte[] deflate(byte[] raw) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(raw);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 64);
            byte[] buf = new byte[16 * 1024];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** Inflates into exactly {@code expected} bytes; more or fewer is an error, so a zip bomb stops at the bound. */
    private static byte[] inflateExactly(byte[] compressed, int expected) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(compressed);
            byte[] out = new byte[expected];
            int filled = 0;
            while (filled < expected) {
                int n = inflater.inflate(out, filled, expected - filled);
                filled += n;
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            if (filled < expected) {
                throw new IllegalArgumentException("replica table inflates to " + filled + " bytes, expected "
                        + expected + " (slots * replication * 2)"
                        + (inflater.finished() ? "" : ": truncated zlib data"));
            }
            if (!inflater.finished()) {
                byte[] probe = new byte[1];
                if (inflater.inflate(probe) > 0) {
                    throw new IllegalArgumentException(
                            "replica table inflates to more than " + expected + " bytes (slots * replication * 2)");
                }
                if (!inflater.finished()) {
                    throw new IllegalArgumentException(
                            "replica table zlib data does not end after " + expected + " bytes");
                }
            }
            if (inflater.getRemaining() > 0) {
                throw new IllegalArgumentException(
                        "replica table has " + inflater.getRemaining() + " bytes after the end of its zlib data");
            }
            return out;
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("'replicas' is not valid zlib data (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
    }
}

package io.ringleader.coordinator;

import static io.ringleader.agent.layout.RecordFields.firstLine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.MalformedRecordException;
import io.ringleader.agent.layout.RecordFields;
import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.assign.Failovers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * Encodes and decodes the failovers znode ({@code <root>/<cluster>/failovers}), format {@value #FORMAT}: which slots
 * of the ring the active coordinator turned for the operator's primary pins ({@link Failovers}), so that the next
 * coordinator can undo them exactly before it places the members again.
 *
 * <pre>{@code
 * {"format":1,"ringEpoch":6703,"slots":16384,"count":2,"turns":"eJzt..."}
 * }</pre>
 *
 * <p>{@code turns} is the base64 (RFC 4648, with padding) of the zlib-deflated turns: one unsigned byte per slot, slot
 * order, 0 for a slot not turned. {@code count} is the number of slots turned, for people reading it. The record
 * belongs to the ring of epoch {@code ringEpoch} only: a reader ignores it for any other ring. The coordinator writes
 * it in the same transaction as that ring. Unknown fields are ignored; any other {@code format} is rejected. An
 * encoded record is at most {@value #MAX_BYTES} bytes.
 */
public final class FailoversCodec {

    /** The record format this codec writes and reads. */
    public static final int FORMAT = 1;

    /** The size budget of an encoded record: 65536 slots of turns deflate well within it. */
    public static final int MAX_BYTES = 128 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private FailoversCodec() {}

    /** {@code <root>/<cluster>/failovers}: written by the active coordinator only, with the ring. */
    public static String path(ClusterPath path) {
        return path.base() + "/failovers";
    }

    /**
     * What the record says, for the ring of epoch {@code ringEpoch}.
     *
     * @param ringEpoch the epoch of the ring it belongs to
     * @param failovers the slots turned
     */
    public record Stored(long ringEpoch, Failovers failovers) {
        /** The failovers if they belong to {@code ring} and fit it, else none. */
        public Failovers of(Ring ring) {
            return ring != null && ringEpoch == ring.epoch() && failovers.fits(ring)
                    ? failovers
                    : Failovers.none(ring == null ? failovers.slotCount() : ring.slotCount());
        }
    }

    /**
     * Encodes the failovers of the ring of epoch {@code ringEpoch}.
     *
     * @throws IllegalArgumentException if the record is over {@value #MAX_BYTES} bytes
     */
    public static byte[] encode(long ringEpoch, Failovers failovers) {
        byte[] raw = new byte[failovers.slotCount()];
        for (int s = 0; s < raw.length; s++) {
            raw[s] = (byte) failovers.turns(s);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("ringEpoch", ringEpoch);
        root.put("slots", failovers.slotCount());
        root.put("count", failovers.count());
        root.put("turns", Base64.getEncoder().encodeToString(deflate(raw)));
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the failovers of ring epoch " + ringEpoch, e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException(
                    "the failovers record is " + bytes.length + " bytes, over the budget of " + MAX_BYTES + " bytes");
        }
        return bytes;
    }

    /**
     * Decodes the record stored at {@code path}.
     *
     * @throws MalformedRecordException naming the path and the first problem: empty or over the budget, not JSON, an
     *     unknown format, a missing or bad field, turns that are not base64 or do not inflate to one byte per slot, a
     *     turn out of range
     */
    public static Stored decode(String path, byte[] data) throws MalformedRecordException {
        JsonNode root = RecordFields.record(path, data, "failovers record", MAX_BYTES, FORMAT);
        try {
            JsonNode epoch = root.get("ringEpoch");
            if (epoch == null || !epoch.isIntegralNumber() || !epoch.canConvertToLong()) {
                throw new IllegalArgumentException("field 'ringEpoch' is missing or not an integer");
            }
            int slots = RecordFields.integer(root, "slots");
            if (slots < 1 || slots > Ring.MAX_SLOTS) {
                throw new IllegalArgumentException("slots must be between 1 and " + Ring.MAX_SLOTS + ", was " + slots);
            }
            byte[] raw = inflate(Base64.getDecoder().decode(RecordFields.text(root, "turns")), slots);
            Map<Integer, Integer> bySlot = new HashMap<>();
            for (int s = 0; s < raw.length; s++) {
                if (raw[s] != 0) {
                    bySlot.put(s, raw[s] & 0xFF);
                }
            }
            return new Stored(epoch.longValue(), Failovers.of(slots, bySlot));
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException(path, firstLine(e.getMessage()));
        }
    }

    private static byte[] deflate(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream zlib = new DeflaterOutputStream(out)) {
            zlib.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }

    /** Inflates exactly {@code length} bytes; more, fewer or bad zlib data is an error. */
    private static byte[] inflate(byte[] deflated, int length) {
        try (InflaterInputStream zlib = new InflaterInputStream(new ByteArrayInputStream(deflated))) {
            byte[] raw = zlib.readNBytes(length + 1);
            if (raw.length != length) {
                throw new IllegalArgumentException("'turns' inflates to " + (raw.length > length ? "more" : raw.length)
                        + " bytes, not one for each of " + length + " slots");
            }
            return raw;
        } catch (IOException e) {
            throw new IllegalArgumentException("'turns' is not zlib data (" + e.getMessage() + ")");
        }
    }
}

package io.ringleader.agent.ring;

import static io.ringleader.agent.layout.RecordFields.firstLine;
import static io.ringleader.agent.layout.RecordFields.integer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.layout.MalformedRecordException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * A ring too large for one znode, stored in chunks: the ring znode then holds a small header, format {@value
 * #FORMAT}, naming a chunk directory whose children {@code 0 .. count-1} hold, in order, the bytes of the whole ring
 * record (format {@value Ring#FORMAT_VERSION}, as {@link RingCodec#encodeWhole} writes it).
 *
 * <pre>{@code
 * {"format":2,"epoch":7,"chunks":"0000000000000007-3fa2c1d0","count":2,"bytes":701337,"crc32":"9c1e55a0"}
 * }</pre>
 *
 * <p>A chunk directory is written in full before the header that names it, and never changed: a reader that read the
 * header reads the ring the header describes, or finds a chunk gone (the ring was written again since, and a newer
 * header is there to read). The header's length and CRC-32 check the assembled bytes, and the ring's epoch must be the
 * header's. Pure: no I/O (the znodes are read and written by {@code io.ringleader.agent.layout.RingStore}).
 */
public final class RingChunks {

    /** The header's format number: a ring record whose body is in chunks. */
    public static final int FORMAT = 2;

    /** The largest chunk: half of ZooKeeper's default {@code jute.maxbuffer} of 1 MB, like a whole ring record. */
    public static final int CHUNK_BYTES = RingCodec.MAX_BYTES;

    /** A header is small; a record larger than this is not one (and is not parsed to find out). */
    static final int MAX_HEADER_BYTES = 4096;

    private static final Pattern DIR = Pattern.compile("[0-9a-f]{16}-[0-9a-f]{8}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private RingChunks() {}

    /**
     * What a chunked ring's header says.
     *
     * @param epoch the ring's epoch
     * @param dir the chunk directory's name: the epoch (16 hex digits), a dash, 8 hex digits unique to the write
     * @param count the number of chunks, at least 1 and at most {@code bytes}
     * @param bytes the length of the assembled record
     * @param crc32 the CRC-32 of the assembled record
     */
    public record Header(long epoch, String dir, int count, int bytes, long crc32) {
        public Header {
            if (epoch < 0) {
                throw new IllegalArgumentException("epoch must not be negative, was " + epoch);
            }
            if (dir == null || !DIR.matcher(dir).matches()) {
                throw new IllegalArgumentException(
                        "chunk directory must be 16 hex digits, a dash and 8 hex digits, was " + dir);
            }
            if (bytes < 1 || bytes > RingCodec.MAX_WHOLE_BYTES) {
                throw new IllegalArgumentException(
                        "bytes must be between 1 and " + RingCodec.MAX_WHOLE_BYTES + ", was " + bytes);
            }
            if (count < 1 || count > bytes) {
                throw new IllegalArgumentException("count must be between 1 and bytes (" + bytes + "), was " + count);
            }
            if (crc32 < 0 || crc32 > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("crc32 must be an unsigned 32-bit value, was " + crc32);
            }
        }

        /** The chunk directory's name for a ring of {@code epoch} written with {@code nonce}. */
        public static String dirName(long epoch, int nonce) {
            return String.format("%016x-%08x", epoch, nonce);
        }
    }

    /** Splits a whole ring record into chunks of at most {@code chunkBytes} bytes, in order. */
    public static List<byte[]> split(byte[] whole, int chunkBytes) {
        if (chunkBytes < 1) {
            throw new IllegalArgumentException("chunkBytes must be positive, was " + chunkBytes);
        }
        List<byte[]> chunks = new ArrayList<>(whole.length / chunkBytes + 1);
        for (int from = 0; from < whole.length; from += chunkBytes) {
            int len = Math.min(chunkBytes, whole.length - from);
            byte[] chunk = new byte[len];
            System.arraycopy(whole, from, chunk, 0, len);
            chunks.add(chunk);
        }
        return chunks;
    }

    /** The header of {@code whole} stored in {@code count} chunks under {@code dir}. */
    public static Header header(long epoch, String dir, byte[] whole, int count) {
        return new Header(epoch, dir, count, whole.length, crc32(whole, whole.length));
    }

    /** The header as UTF-8 JSON. */
    public static byte[] encodeHeader(Header header) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("epoch", header.epoch());
        root.put("chunks", header.dir());
        root.put("count", header.count());
        root.put("bytes", header.bytes());
        root.put("crc32", String.format("%08x", header.crc32()));
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the header of ring epoch " + header.epoch(), e);
        }
    }

    /**
     * The header in a ring record, or null if the record is not one (a whole ring, format {@value
     * Ring#FORMAT_VERSION}, or anything {@link RingCodec#decode} will judge).
     *
     * @throws MalformedRecordException naming {@code path} if the record says format {@value #FORMAT} but a field is
     *     missing or invalid
     */
    public static Header headerOf(String path, byte[] data) throws MalformedRecordException {
        if (data == null || data.length == 0 || data.length > MAX_HEADER_BYTES) {
            return null;
        }
        JsonNode root;
        try {
            root = JSON.readTree(data);
        } catch (Exception e) {
            return null;
        }
        JsonNode format = root == null ? null : root.get("format");
        if (format == null || !format.isIntegralNumber() || format.longValue() != FORMAT) {
            return null;
        }
        try {
            JsonNode epoch = root.get("epoch");
            if (epoch == null || !epoch.isIntegralNumber() || !epoch.canConvertToLong()) {
                throw new IllegalArgumentException("field 'epoch' is missing or not an integer");
            }
            JsonNode dir = root.get("chunks");
            if (dir == null || !dir.isTextual()) {
                throw new IllegalArgumentException("field 'chunks' is missing or not a string");
            }
            JsonNode crc = root.get("crc32");
            if (crc == null || !crc.isTextual() || !crc.textValue().matches("[0-9a-f]{8}")) {
                throw new IllegalArgumentException("field 'crc32' is missing or not 8 hex digits");
            }
            return new Header(
                    epoch.longValue(),
                    dir.textValue(),
                    integer(root, "count"),
                    integer(root, "bytes"),
                    Long.parseLong(crc.textValue(), 16));
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException(path, "chunked ring header: " + firstLine(e.getMessage()));
        }
    }

    /**
     * Assembles the chunks a header names and decodes the ring they hold.
     *
     * @param path the ring znode's path, for error messages
     * @throws MalformedRecordException naming the path if the chunks are not as many as the header says, their bytes
     *     are not its length or do not match its CRC-32, the record they hold is not a valid ring, or that ring's epoch
     *     is not the header's
     */
    public static Ring assemble(String path, Header header, List<byte[]> chunks) throws MalformedRecordException {
        String where = "chunked ring " + header.dir();
        if (chunks.size() != header.count()) {
            throw new MalformedRecordException(
                    path, where + " has " + chunks.size() + " chunks, the header says " + header.count());
        }
        long length = 0;
        for (byte[] chunk : chunks) {
            length += chunk.length;
        }
        if (length != header.bytes()) {
            throw new MalformedRecordException(
                    path, where + " holds " + length + " bytes, the header says " + header.bytes());
        }
        byte[] whole = new byte[header.bytes()];
        int at = 0;
        for (byte[] chunk : chunks) {
            System.arraycopy(chunk, 0, whole, at, chunk.length);
            at += chunk.length;
        }
        long crc = crc32(whole, whole.length);
        if (crc != header.crc32()) {
            throw new MalformedRecordException(
                    path,
                    where + " has CRC-32 " + String.format("%08x", crc) + ", the header says "
                            + String.format("%08x", header.crc32()));
        }
        Ring ring = RingCodec.decodeWhole(path + " (" + where + ")", whole);
        if (ring.epoch() != header.epoch()) {
            throw new MalformedRecordException(
                    path, where + " holds ring epoch " + ring.epoch() + ", the header says " + header.epoch());
        }
        return ring;
    }

    private static long crc32(byte[] data, int len) {
        CRC32 crc = new CRC32();
        crc.update(data, 0, len);
        return crc.getValue();
    }
}

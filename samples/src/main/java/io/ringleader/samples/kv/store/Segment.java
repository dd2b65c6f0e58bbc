package io.ringleader.samples.kv.store;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The format of a log segment {@code wal-<n>.log} (big-endian): a header, then frames, one a group commit.
 *
 * <pre>
 * header: int magic "RLKW", int format (1), int slotCount, long n, int CRC32C of the 20 bytes before
 * frame:  int payload length, int CRC32C of (the length's 4 bytes, the payload), payload
 * payload: int entry count (>= 1), then the entries as {@link EntryCodec} writes them
 * </pre>
 *
 * <p>The writer syncs each frame before it writes the next, so only the last frame of the last segment can be torn
 * by a crash: a damaged frame there with no intact frame after it is a torn write and is dropped; any other damaged
 * frame is corruption.
 */
final class Segment {
    static final int MAGIC = 0x524c4b57;
    static final int FORMAT = 1;
    static final int HEADER_BYTES = 24;
    static final int FRAME_HEADER_BYTES = 8;
    static final int MIN_PAYLOAD_BYTES = 4 + EntryCodec.MIN_BYTES;
    /** The largest frame payload; a frame always fits one entry of {@link EntryCodec#MAX_BYTES}. */
    static final int MAX_PAYLOAD_BYTES = 16 << 20;
    /** The writer starts a new segment once one has grown past this. */
    static final long ROLL_BYTES = 64L << 20;

    private Segment() {}

    /** What replaying a segment found. */
    record Replay(long entries, long validBytes, long tornBytes) {}

    static ByteBuffer header(int slotCount, long number) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.putInt(MAGIC).putInt(FORMAT).putInt(slotCount).putLong(number);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_BYTES - 4);
        header.putInt((int) crc.getValue());
        return header.flip();
    }

    /** CRC32C of a frame's length field and its payload, as a frame stores it. */
    static int frameChecksum(byte[] bytes, int frameStart, int payloadLength) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, frameStart, 4);
        crc.update(bytes, frameStart + FRAME_HEADER_BYTES, payloadLength);
        return (int) crc.getValue();
    }

    /**
     * Feeds every entry of segment {@code number} to {@code sink} in order.
     *
     * @param last whether this is the newest segment, the only one a crash can have torn
     * @return the entries read, the bytes they take from the start of the file, and the torn bytes after them (only
     *     when {@code last}; when the header itself is torn, every byte is torn)
     * @throws CorruptFileException if a frame is damaged and is not a torn write, naming the file and offset
     * @throws IOException if the file cannot be read, or belongs to a store with another slot count
     */
    static Replay replay(Path file, long number, int slotCount, boolean last, Consumer<Entry> sink) throws IOException {
        byte[] data = Files.readAllBytes(file);
        if (!validHeader(data)) {
            if (last && data.length <= HEADER_BYTES) {
                return new Replay(0, 0, data.length);
            }
            throw new CorruptFileException(file, 0, "damaged segment header");
        }
        ByteBuffer header = ByteBuffer.wrap(data, 0, HEADER_BYTES);
        header.getInt();
        int format = header.getInt();
        int fileSlots = header.getInt();
        long fileNumber = header.getLong();
        if (format != FORMAT) {
            throw new IOException(file + " has format " + format + ", this store reads format " + FORMAT);
        }
        if (fileNumber != number) {
            throw new CorruptFileException(file, 0, "header says segment " + fileNumber);
        }
        if (fileSlots != slotCount) {
            throw new IOException(file + " belongs to a store of " + fileSlots + " slots, opened with " + slotCount);
        }
        int position = HEADER_BYTES;
        long entries = 0;
        while (position < data.length) {
            int length = frameLength(data, position);
            if (length < 0) {
                if (!last) {
                    throw new CorruptFileException(file, position, "damaged frame in a segment that is not the last");
                }
                if (nextFrame(data, position + 1) >= 0) {
                    throw new CorruptFileException(
                            file, position, "damaged frame followed by intact ones (not a torn write)");
                }
                return new Replay(entries, position, data.length - position);
            }
            entries += decodeFrame(file, data, position, length, slotCount, sink);
            position += length;
        }
        return new Replay(entries, position, 0);
    }

    private static boolean validHeader(byte[] data) {
        if (data.length < HEADER_BYTES) {
            return false;
        }
        ByteBuffer header = ByteBuffer.wrap(data);
        CRC32C crc = new CRC32C();
        crc.update(data, 0, HEADER_BYTES - 4);
        return header.getInt(0) == MAGIC && header.getInt(HEADER_BYTES - 4) == (int) crc.getValue();
    }

    /** The whole length of the intact frame at {@code position}, or -1 if there is none. */
    private static int frameLength(byte[] data, int position) {
        if (data.length - position < FRAME_HEADER_BYTES + MIN_PAYLOAD_BYTES) {
            return -1;
        }
        ByteBuffer frame = ByteBuffer.wrap(data);
        int payload = frame.getInt(position);
        if (payload < MIN_PAYLOAD_BYTES
                || payload > MAX_PAYLOAD_BYTES
                || payload > data.length - position - FRAME_HEADER_BYTES) {
            return -1;
        }
        if (frame.getInt(position + 4) != frameChecksum(data, position, payload)) {
            return -1;
        }
        return FRAME_HEADER_BYTES + payload;
    }

    /** The offset of the first intact frame at or after {@code from}, or -1. */
    private static int nextFrame(byte[] data, int from) {
        for (int p = from; p < data.length; p++) {
            if (frameLength(data, p) >= 0) {
                return p;
            }
        }
        return -1;
    }

    private static int decodeFrame(
            Path file, byte[] data, int position, int length, int slotCount, Consumer<Entry> sink)
            throws CorruptFileException {
        int payload = length - FRAME_HEADER_BYTES;
        try (DataInputStream in =
                new DataInputStream(new ByteArrayInputStream(data, position + FRAME_HEADER_BYTES, payload))) {
            int count = in.readInt();
            if (count < 1) {
                throw new IllegalArgumentException("entry count " + count);
            }
            for (int i = 0; i < count; i++) {
                sink.accept(EntryCodec.decode(in, slotCount));
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " bytes after the last entry");
            }
            return count;
        } catch (IOException | IllegalArgumentException e) {
            // The checksum matched, so these bytes were written so: a writer of another format, or a bug.
            throw new CorruptFileException(file, position, "intact frame with unreadable content: " + e.getMessage());
        }
    }
}

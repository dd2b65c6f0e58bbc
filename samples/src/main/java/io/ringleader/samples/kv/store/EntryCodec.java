package io.ringleader.samples.kv.store;

import java.io.DataInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The binary form of one entry, as log frames and snapshots hold it (big-endian):
 *
 * <pre>
 * int  slot
 * long epoch
 * long seq
 * int  key length, then the key's UTF-8 bytes
 * int  value length (-1 for a tombstone), then the value's UTF-8 bytes
 * </pre>
 */
final class EntryCodec {
    /** The smallest encoded entry: an empty key and an empty value. */
    static final int MIN_BYTES = 4 + 8 + 8 + 4 + 4;
    /** The largest encoded entry, key and value included. */
    static final int MAX_BYTES = 4 << 20;

    private EntryCodec() {}

    /**
     * Encodes {@code entry}.
     *
     * @throws IllegalArgumentException if the key or value is not valid UTF-16 (an unpaired surrogate, which UTF-8
     *     cannot hold), or the entry takes more than {@link #MAX_BYTES}
     */
    static byte[] encode(Entry entry) {
        byte[] key = utf8(entry.key(), "key");
        byte[] value = entry.isTombstone() ? null : utf8(entry.value(), "value");
        long size = (long) MIN_BYTES + key.length + (value == null ? 0 : value.length);
        if (size > MAX_BYTES) {
            throw new IllegalArgumentException("entry of key " + abbreviate(entry.key()) + " takes " + size
                    + " bytes encoded, more than the " + MAX_BYTES + " an entry may take");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size);
        out.putInt(entry.slot())
                .putLong(entry.version().epoch())
                .putLong(entry.version().seq())
                .putInt(key.length)
                .put(key)
                .putInt(value == null ? -1 : value.length);
        if (value != null) {
            out.put(value);
        }
        return out.array();
    }

    /**
     * Decodes one entry.
     *
     * @throws IllegalArgumentException if the bytes do not form an entry of a store with {@code slotCount} slots
     * @throws IOException if the input ends early or cannot be read
     */
    static Entry decode(DataInput in, int slotCount) throws IOException {
        int slot = in.readInt();
        if (slot < 0 || slot >= slotCount) {
            throw new IllegalArgumentException("slot " + slot + " is outside 0.." + (slotCount - 1));
        }
        Version version = new Version(in.readLong(), in.readLong());
        String key = readString(in, false);
        String value = readString(in, true);
        return new Entry(slot, key, version, value);
    }

    private static String readString(DataInput in, boolean nullable) throws IOException {
        int length = in.readInt();
        if (length == -1 && nullable) {
            return null;
        }
        if (length < 0 || length > MAX_BYTES) {
            throw new IllegalArgumentException("string length " + length + " is outside 0.." + MAX_BYTES);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s, String what) {
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8
                    .newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    what + " " + abbreviate(s) + " is not valid UTF-16 (it holds an unpaired surrogate)", e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? '"' + s + '"' : '"' + s.substring(0, 40) + "...\" (" + s.length() + " chars)";
    }
}

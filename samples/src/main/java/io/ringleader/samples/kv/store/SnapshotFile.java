package io.ringleader.samples.kv.store;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The format of a snapshot {@code snapshot-<n>.snap} (big-endian): every entry of the store when segment n began,
 * or newer.
 *
 * <pre>
 * int magic "RLKS", int format (1), int slotCount, long n
 * for each entry: byte 1, the entry as {@link EntryCodec} writes it
 * byte 0, long entry count, int CRC32C of every byte before it
 * </pre>
 */
final class SnapshotFile {
    static final int MAGIC = 0x524c4b53;
    static final int FORMAT = 1;
    private static final int BUFFER_BYTES = 1 << 16;

    private SnapshotFile() {}

    /** A snapshot read back: its first uncovered segment and its entries. */
    record Loaded(long start, SlotTable table, long entries) {}

    /**
     * Writes the snapshot of {@code table} that covers the segments before {@code start}: to a temporary file, synced,
     * then renamed into place and the directory synced. The slots are copied one at a time while writes go on; that
     * is enough because every entry in the table is already in the log, and replaying the log from {@code start}
     * over the snapshot keeps the newest version of each key whatever order the two hold them in.
     *
     * @return how many entries it holds
     */
    static long write(StoreFiles files, long start, SlotTable table) throws IOException {
        Path target = files.snapshot(start);
        Path temporary = target.resolveSibling(target.getFileName() + StoreFiles.TEMP_SUFFIX);
        long count = 0;
        try {
            try (FileOutputStream file = new FileOutputStream(temporary.toFile());
                    CheckedOutputStream checked =
                            new CheckedOutputStream(new BufferedOutputStream(file, BUFFER_BYTES), new CRC32C());
                    DataOutputStream out = new DataOutputStream(checked)) {
                out.writeInt(MAGIC);
                out.writeInt(FORMAT);
                out.writeInt(table.slotCount());
                out.writeLong(start);
                for (int slot = 0; slot < table.slotCount(); slot++) {
                    for (Entry entry : table.copy(slot)) {
                        out.writeByte(1);
                        out.write(EntryCodec.encode(entry));
                        count++;
                    }
                }
                out.writeByte(0);
                out.writeLong(count);
                out.writeInt((int) checked.getChecksum().getValue());
                out.flush();
                files.sync(file.getChannel());
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        files.syncDirectory();
        return count;
    }

    /**
     * Reads the snapshot in {@code file}, checking it whole before it is used.
     *
     * @throws CorruptFileException if it is damaged, naming the file and what is wrong
     * @throws IOException if it cannot be read, or belongs to a store with another slot count
     */
    static Loaded read(Path file, int slotCount) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                CheckedInputStream checked =
                        new CheckedInputStream(new BufferedInputStream(raw, BUFFER_BYTES), new CRC32C());
                DataInputStream in = new DataInputStream(checked)) {
            if (in.readInt() != MAGIC) {
                throw new CorruptFileException(file, "not a snapshot (bad magic)");
            }
            int format = in.readInt();
            int fileSlots = in.readInt();
            long start = in.readLong();
            if (format != FORMAT || fileSlots < 1 || start < 1) {
                throw new CorruptFileException(
                        file, "damaged header (format " + format + ", slots " + fileSlots + ", start " + start + ")");
            }
            SlotTable table = new SlotTable(fileSlots);
            long count = 0;
            for (int marker = in.readByte(); marker != 0; marker = in.readByte()) {
                if (marker != 1) {
                    throw new CorruptFileException(file, "damaged entry marker " + marker + " after entry " + count);
                }
                table.putIfNewer(EntryCodec.decode(in, fileSlots));
                count++;
            }
            long declared = in.readLong();
            int expected = (int) checked.getChecksum().getValue();
            if (in.readInt() != expected) {
                throw new CorruptFileException(file, "checksum mismatch");
            }
            if (declared != count) {
                throw new CorruptFileException(file, "holds " + count + " entries, its trailer says " + declared);
            }
            if (in.read() != -1) {
                throw new CorruptFileException(file, "bytes after the checksum");
            }
            if (fileSlots != slotCount) {
                throw new IOException(
                        file + " belongs to a store of " + fileSlots + " slots, opened with " + slotCount);
            }
            return new Loaded(start, table, count);
        } catch (EOFException e) {
            throw new CorruptFileException(file, "ends early (truncated)");
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(file, "damaged entry: " + e.getMessage());
        }
    }
}

package io.ringleader.samples.kv.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a store's table from its directory: the newest intact snapshot, then every segment from the one it
 * starts at, in order.
 *
 * <ul>
 *   <li>A damaged snapshot is passed over for the one before it (the log since that one is kept); once recovery has
 *       succeeded, the damaged file is renamed {@code .corrupt} and kept. With no intact snapshot, the log must reach
 *       back to segment 1.
 *   <li>The segments from the snapshot's start on must all be there, one after another.
 *   <li>A torn write at the end of the last segment is cut off (truncated and synced), with one warning; a segment
 *       whose header is torn is deleted. Any other damage stops recovery with the file and offset.
 * </ul>
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private Recovery() {}

    /** What recovery did. {@code snapshot} is null when it started from an empty store. */
    record Report(
            Path snapshot,
            long snapshotEntries,
            List<Path> corruptSnapshots,
            int segmentsReplayed,
            long entriesReplayed,
            long tornBytes) {}

    /** The rebuilt table, the number the writer's first segment takes, and the report. */
    record Result(SlotTable table, long nextSegment, Report report) {}

    static Result run(StoreFiles files, int slotCount, String logPrefix) throws IOException {
        files.deleteTemporaries();
        NavigableMap<Long, Path> segments = files.segments();
        SlotTable table = new SlotTable(slotCount);
        long start = 1;
        Path snapshot = null;
        long snapshotEntries = 0;
        List<CorruptFileException> damage = new ArrayList<>();
        List<Path> corrupt = new ArrayList<>();
        for (Map.Entry<Long, Path> candidate : files.snapshots().descendingMap().entrySet()) {
            try {
                SnapshotFile.Loaded loaded = SnapshotFile.read(candidate.getValue(), slotCount);
                table = loaded.table();
                start = loaded.start();
                snapshot = candidate.getValue();
                snapshotEntries = loaded.entries();
                break;
            } catch (CorruptFileException e) {
                damage.add(e);
                corrupt.add(candidate.getValue());
            }
        }
        NavigableMap<Long, Path> replayed = segments.tailMap(start, true);
        long expected = start;
        for (long number : replayed.keySet()) {
            if (number != expected) {
                throw missing(files, damage, expected, number);
            }
            expected++;
        }
        if (snapshot == null && !damage.isEmpty() && segments.isEmpty()) {
            throw new IOException("cannot recover the store in " + files.dir() + ": "
                    + damage.stream().map(Throwable::getMessage).collect(Collectors.joining("; "))
                    + "; and no log segment is left");
        }

        long entries = 0;
        long torn = 0;
        long next = start;
        for (Map.Entry<Long, Path> segment : replayed.entrySet()) {
            long number = segment.getKey();
            Path file = segment.getValue();
            boolean last = number == replayed.lastKey();
            Segment.Replay replay = Segment.replay(file, number, slotCount, last, table::putIfNewer);
            entries += replay.entries();
            torn += replay.tornBytes();
            next = number + 1;
            if (replay.validBytes() < Segment.HEADER_BYTES) {
                Files.delete(file);
                files.syncDirectory();
                next = number;
                log.warn("{}deleted {}: its header is torn (the process stopped while creating it)", logPrefix, file);
            } else if (replay.tornBytes() > 0) {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(replay.validBytes());
                    files.sync(channel);
                }
                log.warn(
                        "{}dropped a torn write at the end of {}: {} bytes from offset {} (the process stopped while"
                                + " writing them, so they were never acknowledged)",
                        logPrefix,
                        file,
                        replay.tornBytes(),
                        replay.validBytes());
            }
        }
        for (int i = 0; i < corrupt.size(); i++) {
            Path kept = corrupt.get(i).resolveSibling(corrupt.get(i).getFileName() + StoreFiles.CORRUPT_SUFFIX);
            Files.move(corrupt.get(i), kept, StandardCopyOption.REPLACE_EXISTING);
            log.warn(
                    "{}{}; recovered from {} instead, and kept the damaged file as {}",
                    logPrefix,
                    damage.get(i).getMessage(),
                    snapshot == null ? "the whole log" : snapshot.getFileName() + " and the log after it",
                    kept.getFileName());
        }
        if (!corrupt.isEmpty()) {
            files.syncDirectory();
        }
        return new Result(
                table,
                next,
                new Report(snapshot, snapshotEntries, List.copyOf(corrupt), replayed.size(), entries, torn));
    }

    private static IOException missing(StoreFiles files, List<CorruptFileException> damage, long expected, long found) {
        String because = damage.isEmpty()
                ? ""
                : damage.stream().map(Throwable::getMessage).collect(Collectors.joining("; ", "", "; and "));
        return new IOException("cannot recover the store in " + files.dir() + ": " + because + "log segment "
                + files.segment(expected).getFileName() + " is missing (the next one present is "
                + files.segment(found).getFileName() + ")");
    }
}

package io.ringleader.samples.kv.store;

import static io.ringleader.samples.kv.store.StoreContents.delete;
import static io.ringleader.samples.kv.store.StoreContents.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts: what a store recovers from its files, whole, torn at the end, or damaged. */
class KvStoreRecoveryTest {
    private static final int SLOTS = 64;
    private static final StoreOptions MANUAL = new StoreOptions(0, true);

    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("store");
    }

    private KvStore open(Path dir) throws IOException {
        return KvStore.open(dir, SLOTS, MANUAL);
    }

    /** Something done with an open store. */
    @FunctionalInterface
    private interface Session {
        void run(KvStore store) throws Exception;
    }

    /** Runs {@code session} in the store, then closes it; returns what the store held before closing. */
    private Map<String, Entry> runAndClose(Session session) throws Exception {
        try (KvStore store = open(dir())) {
            session.run(store);
            return StoreContents.of(store);
        }
    }

    /** Reopens the store and checks that it holds {@code expected}; returns what recovery did. */
    private Recovery.Report reopenHolds(Map<String, Entry> expected) throws Exception {
        try (KvStore store = open(dir())) {
            assertThat(StoreContents.of(store)).isEqualTo(expected);
            return store.recovery();
        }
    }

    /** {@code rounds} times: 500 entries, then a snapshot. */
    private static void writeAndSnapshot(KvStore store, int rounds) throws IOException {
        for (int round = 0; round < rounds; round++) {
            write(store, round * 500, 500);
            store.snapshot();
        }
    }

    /** Writes {@code count} entries from {@code first} on: puts, overwrites of earlier keys and deletes. */
    private static void write(KvStore store, int first, int count) {
        List<Entry> batch = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            String key = "k" + (i % 700);
            int slot = i % 700 % SLOTS;
            batch.add(i % 5 == 4 ? delete(slot, key, i + 1) : put(slot, key, i + 1, "v" + i));
            if (batch.size() == 50 || i % 3 == 0) {
                store.applyAll(batch).join();
                batch = new ArrayList<>();
            }
        }
        store.applyAll(batch).join();
    }

    @Test
    void reopen_recoversExactlyWhatWasAcknowledged() throws Exception {
        Map<String, Entry> expected = runAndClose(store -> write(store, 0, 2_000));

        Recovery.Report recovery = reopenHolds(expected);

        assertThat(expected).hasSize(700);
        assertThat(recovery.snapshot()).isNull();
        assertThat(recovery.tornBytes()).isZero();
    }

    @Test
    void reopen_afterASnapshotInTheMiddle_recoversSnapshotAndLaterLog() throws Exception {
        Map<String, Entry> expected = runAndClose(store -> {
            write(store, 0, 1_000);
            store.snapshot();
            write(store, 1_000, 1_000);
        });

        Recovery.Report recovery = reopenHolds(expected);

        assertThat(recovery.snapshot()).isNotNull();
        assertThat(recovery.snapshotEntries()).isEqualTo(700);
    }

    @Test
    void snapshots_keepTheNewestTwo_andDeleteTheLogTheOlderOneCovers() throws Exception {
        Map<String, Entry> expected = runAndClose(store -> {
            writeAndSnapshot(store, 3);
            write(store, 1_500, 500);
        });

        List<Path> snapshots = files("snapshot-*.snap");
        assertThat(snapshots).hasSize(2);
        long olderStart = number(snapshots.get(0));
        assertThat(files("wal-*.log")).allSatisfy(s -> assertThat(number(s)).isGreaterThanOrEqualTo(olderStart));
        assertThat(dir().resolve("wal-00000000000000000001.log")).doesNotExist();

        assertThat(reopenHolds(expected).snapshot()).isEqualTo(snapshots.get(1));
    }

    @Test
    void snapshotsTakenWhileWritesGoOn_loseNothing() throws Exception {
        Map<String, Entry> expected = runAndClose(store -> {
            ExecutorService writers = Executors.newFixedThreadPool(4);
            try {
                List<CompletableFuture<Void>> running = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int first = t * 10_000;
                    running.add(CompletableFuture.runAsync(() -> write(store, first, 3_000), writers));
                }
                for (int i = 0; i < 5; i++) {
                    store.snapshot();
                }
                running.forEach(CompletableFuture::join);
            } finally {
                writers.shutdown();
            }
        });

        reopenHolds(expected);
    }

    @Test
    void automaticSnapshot_isTakenAfterSnapshotEveryEntries() throws Exception {
        Map<String, Entry> expected;
        try (KvStore store = KvStore.open(dir(), SLOTS, new StoreOptions(100, true))) {
            for (int i = 0; i < 250; i++) {
                store.apply(put(i % SLOTS, "k" + i, i + 1, "v" + i)).join();
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !files("snapshot-*.snap").isEmpty());
            expected = StoreContents.of(store);
        }

        assertThat(reopenHolds(expected).snapshot()).isNotNull();
    }

    @Test
    void tornLastFrame_isDroppedAtEveryCut_andTheStoreWritesOnAfterIt() throws Exception {
        long[] ends = writeOneFramePerEntry(dir(), 5);
        Path segment = dir().resolve("wal-00000000000000000001.log");

        for (long cut = ends[4]; cut < ends[5]; cut++) {
            Path copy = copyOf(dir(), "cut-" + cut);
            truncate(copy.resolve(segment.getFileName()), cut);

            try (KvStore store = open(copy)) {
                assertThat(store.keyCount()).as("cut at %d", cut).isEqualTo(4);
                assertThat(store.get(4, "k4")).isEmpty();
                assertThat(store.recovery().tornBytes()).isEqualTo(cut - ends[4]);
                store.apply(put(5, "after", 99, "x")).join();
            }
            try (KvStore store = open(copy)) {
                assertThat(store.keyCount()).isEqualTo(5);
                assertThat(store.recovery().tornBytes()).isZero();
            }
        }
    }

    @Test
    void zeroFilledTail_isDropped() throws Exception {
        writeOneFramePerEntry(dir(), 3);
        try (FileChannel channel =
                FileChannel.open(dir().resolve("wal-00000000000000000001.log"), StandardOpenOption.APPEND)) {
            channel.write(java.nio.ByteBuffer.allocate(4096));
        }

        try (KvStore store = open(dir())) {
            assertThat(store.keyCount()).isEqualTo(3);
            assertThat(store.recovery().tornBytes()).isEqualTo(4096);
        }
    }

    @Test
    void tornSegmentHeader_deletesTheSegment() throws Exception {
        writeOneFramePerEntry(dir(), 3);
        Files.write(dir().resolve("wal-00000000000000000002.log"), new byte[] {0x52, 0x4c});

        try (KvStore store = open(dir())) {
            assertThat(store.keyCount()).isEqualTo(3);
            store.apply(put(9, "after", 9, "x")).join();
        }
        try (KvStore store = open(dir())) {
            assertThat(store.keyCount()).isEqualTo(4);
        }
    }

    @Test
    void damagedFrameInTheMiddle_failsNamingTheFileAndTheFrameOffset() throws Exception {
        long[] ends = writeOneFramePerEntry(dir(), 10);
        String segment = "wal-00000000000000000001.log";

        for (long offset = ends[3]; offset < ends[4]; offset++) {
            Path copy = copyOf(dir(), "flip-" + offset);
            flip(copy.resolve(segment), offset);

            assertThatThrownBy(() -> open(copy).close())
                    .as("byte flipped at %d", offset)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(segment)
                    .hasMessageContaining("at offset " + ends[3] + ": damaged frame followed by intact ones");
        }
    }

    @Test
    void damagedLastFrame_cannotBeToldFromATornWrite_andIsDropped() throws Exception {
        long[] ends = writeOneFramePerEntry(dir(), 4);
        flip(dir().resolve("wal-00000000000000000001.log"), ends[3] + 10);

        try (KvStore store = open(dir())) {
            assertThat(store.keyCount()).isEqualTo(3);
            assertThat(store.recovery().tornBytes()).isEqualTo(ends[4] - ends[3]);
        }
    }

    @Test
    void damagedFrameInAnEarlierSegment_fails() throws Exception {
        long[] ends = writeOneFramePerEntry(dir(), 4);
        try (KvStore store = open(dir())) {
            store.apply(put(9, "later", 9, "x")).join();
        }
        flip(dir().resolve("wal-00000000000000000001.log"), ends[3] + 10);

        assertThatThrownBy(() -> open(dir()).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("wal-00000000000000000001.log at offset " + ends[3])
                .hasMessageContaining("not the last");
    }

    @Test
    void damagedNewestSnapshot_fallsBackToTheOlderOne_andIsKeptAsCorrupt() throws Exception {
        Map<String, Entry> expected = runAndClose(store -> {
            writeAndSnapshot(store, 2);
            write(store, 1_000, 500);
        });
        List<Path> snapshots = files("snapshot-*.snap");
        flip(snapshots.get(1), Files.size(snapshots.get(1)) / 2);

        Recovery.Report recovery = reopenHolds(expected);

        assertThat(recovery.snapshot()).isEqualTo(snapshots.get(0));
        assertThat(recovery.corruptSnapshots()).containsExactly(snapshots.get(1));
        assertThat(Path.of(snapshots.get(1) + ".corrupt")).exists();
        runAndClose(KvStore::snapshot);
        reopenHolds(expected);
    }

    @Test
    void truncatedOnlySnapshot_fallsBackToTheWholeLog() throws Exception {
        Map<String, Entry> expected = runAndClose(store -> {
            writeAndSnapshot(store, 1);
            write(store, 500, 500);
        });
        Path snapshot = files("snapshot-*.snap").get(0);
        truncate(snapshot, Files.size(snapshot) - 3);

        assertThat(reopenHolds(expected).snapshot()).isNull();
    }

    @Test
    void noIntactSnapshot_withTheLogBeforeThemGone_failsNamingTheSnapshots() throws Exception {
        runAndClose(store -> writeAndSnapshot(store, 3));
        List<Path> snapshots = files("snapshot-*.snap");
        for (Path snapshot : snapshots) {
            flip(snapshot, 40);
        }

        assertThatThrownBy(() -> open(dir()).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("corrupt " + snapshots.get(1) + ": ")
                .hasMessageContaining("corrupt " + snapshots.get(0) + ": ")
                .hasMessageContaining("log segment wal-00000000000000000001.log is missing");
        assertThat(snapshots).allSatisfy(s -> assertThat(s).exists());
    }

    @Test
    void missingSegment_fails() throws Exception {
        for (int session = 0; session < 3; session++) {
            int first = session * 100;
            runAndClose(store -> write(store, first, 100));
        }
        Files.delete(dir().resolve("wal-00000000000000000002.log"));

        assertThatThrownBy(() -> open(dir()).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("wal-00000000000000000002.log is missing");
    }

    @Test
    void otherSlotCount_fails() throws Exception {
        runAndClose(store -> {
            write(store, 0, 10);
            store.snapshot();
        });

        assertThatThrownBy(() -> KvStore.open(dir(), SLOTS * 2, MANUAL).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("belongs to a store of 64 slots, opened with 128");
    }

    @Test
    void temporaryFileOfAStoppedSnapshot_isDeleted() throws Exception {
        Map<String, Entry> expected = runAndClose(store -> write(store, 0, 10));
        Path leftover = dir().resolve("snapshot-00000000000000000002.snap.tmp");
        Files.write(leftover, new byte[] {1, 2, 3});

        reopenHolds(expected);
        assertThat(leftover).doesNotExist();
    }

    /** Applies {@code count} entries one by one into a new store; returns the segment's size after each. */
    private static long[] writeOneFramePerEntry(Path dir, int count) throws Exception {
        long[] ends = new long[count + 1];
        Path segment = dir.resolve("wal-00000000000000000001.log");
        try (KvStore store = KvStore.open(dir, SLOTS, MANUAL)) {
            ends[0] = Files.size(segment);
            for (int i = 0; i < count; i++) {
                store.apply(put(i, "k" + i, i + 1, "value-" + i)).join();
                ends[i + 1] = Files.size(segment);
            }
        }
        return ends;
    }

    private Path copyOf(Path source, String name) throws IOException {
        Path copy = tmp.resolve(name);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        return copy;
    }

    private List<Path> files(String glob) throws IOException {
        List<Path> found = new ArrayList<>();
        try (var stream = Files.newDirectoryStream(dir(), glob)) {
            stream.forEach(found::add);
        }
        found.sort(null);
        return found;
    }

    private static long number(Path file) {
        String name = file.getFileName().toString();
        return Long.parseLong(name.substring(name.indexOf('-') + 1, name.indexOf('.')));
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }

    private static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x40);
        }
    }
}

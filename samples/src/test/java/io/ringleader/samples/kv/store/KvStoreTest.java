package io.ringleader.samples.kv.store;

import static io.ringleader.samples.kv.store.StoreContents.delete;
import static io.ringleader.samples.kv.store.StoreContents.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KvStoreTest {
    private static final int SLOTS = 64;

    @TempDir
    Path dir;

    private final List<KvStore> stores = new ArrayList<>();

    @AfterEach
    void closeStores() {
        stores.forEach(KvStore::close);
    }

    private KvStore open() throws IOException {
        KvStore store = KvStore.open(dir, SLOTS, StoreOptions.defaults());
        stores.add(store);
        return store;
    }

    @Test
    void appliedEntry_isVisibleOnceItsFutureCompletes() throws Exception {
        KvStore store = open();

        assertThat(store.apply(put(3, "a", 1, "x")).join()).isTrue();

        assertThat(store.get(3, "a")).contains(put(3, "a", 1, "x"));
        assertThat(store.get(4, "a")).isEmpty();
        assertThat(store.keyCount()).isEqualTo(1);
    }

    @Test
    void tombstone_isKeptAndAnOlderWriteCannotResurrectTheKey() throws Exception {
        KvStore store = open();
        store.apply(put(3, "a", 1, "x")).join();

        assertThat(store.apply(delete(3, "a", 3)).join()).isTrue();
        assertThat(store.apply(put(3, "a", 2, "late")).join()).isFalse();

        assertThat(store.get(3, "a"))
                .hasValueSatisfying(e -> assertThat(e.isTombstone()).isTrue());
        assertThat(store.slotEntries(3)).containsExactly(delete(3, "a", 3));
        assertThat(store.keyCount()).isEqualTo(1);
    }

    @Test
    void olderOrEqualVersion_isIgnored() throws Exception {
        KvStore store = open();
        store.apply(new Entry(1, "k", new Version(2, 5), "new")).join();

        assertThat(store.apply(new Entry(1, "k", new Version(2, 5), "same version"))
                        .join())
                .isFalse();
        assertThat(store.apply(new Entry(1, "k", new Version(2, 4), "older seq"))
                        .join())
                .isFalse();
        assertThat(store.apply(new Entry(1, "k", new Version(1, 99), "older epoch"))
                        .join())
                .isFalse();
        assertThat(store.apply(new Entry(1, "k", new Version(3, 0), "newer epoch"))
                        .join())
                .isTrue();

        assertThat(store.get(1, "k").orElseThrow().value()).isEqualTo("newer epoch");
    }

    @Test
    void applyAll_countsTheNewerEntriesAndKeepsTheHighestVersionOfEachKey() throws Exception {
        KvStore store = open();
        store.apply(put(0, "a", 5, "a5")).join();

        int applied = store.applyAll(List.of(
                        put(0, "a", 4, "a4"), // older than the store's
                        put(0, "b", 2, "b2"),
                        put(0, "b", 1, "b1"), // older than the batch's
                        delete(1, "c", 7)))
                .join();

        assertThat(applied).isEqualTo(2);
        assertThat(StoreContents.of(store))
                .containsOnly(
                        entry("0/a", put(0, "a", 5, "a5")),
                        entry("0/b", put(0, "b", 2, "b2")),
                        entry("1/c", delete(1, "c", 7)));
        assertThat(store.applyAll(List.of()).join()).isZero();
    }

    @Test
    void slotEntries_isAnImmutableCopyOfOneSlot() throws Exception {
        KvStore store = open();
        store.applyAll(List.of(put(5, "a", 1, "x"), delete(5, "b", 2), put(6, "c", 3, "y")))
                .join();

        List<Entry> copy = store.slotEntries(5);
        store.apply(put(5, "d", 4, "z")).join();

        assertThat(copy).containsExactlyInAnyOrder(put(5, "a", 1, "x"), delete(5, "b", 2));
        assertThatThrownBy(() -> copy.add(put(5, "e", 5, "w"))).isInstanceOf(UnsupportedOperationException.class);
        assertThat(store.slotEntries(5)).hasSize(3);
        assertThat(store.slotEntries(7)).isEmpty();
    }

    @Test
    void concurrentAppliesToOneKey_endWithTheHighestVersionVisible() throws Exception {
        KvStore store = open();
        List<Integer> seqs =
                new ArrayList<>(IntStream.rangeClosed(1, 2_000).boxed().toList());
        Collections.shuffle(seqs);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        try {
            List<CompletableFuture<List<CompletableFuture<Boolean>>>> submitted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<Integer> share = seqs.subList(t * seqs.size() / threads, (t + 1) * seqs.size() / threads);
                submitted.add(CompletableFuture.supplyAsync(
                        () -> {
                            await(start);
                            return share.stream()
                                    .map(seq -> store.apply(put(9, "hot", seq, "v" + seq)))
                                    .toList();
                        },
                        pool));
            }
            start.countDown();
            submitted.forEach(s -> results.addAll(s.join()));
        } finally {
            pool.shutdown();
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).join();

        assertThat(store.get(9, "hot")).contains(put(9, "hot", 2_000, "v2000"));
        assertThat(results).anySatisfy(r -> assertThat(r.join()).isTrue());
        assertThat(store.keyCount()).isEqualTo(1);
    }

    @Test
    void preconditions_failNamingTheBadValue() throws Exception {
        KvStore store = open();

        assertThatThrownBy(() -> store.apply(put(SLOTS, "a", 1, "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slot must be between 0 and 63, was 64");
        assertThatThrownBy(() -> store.apply(new Entry(0, "a", Version.ZERO, "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("after Version.ZERO");
        assertThatThrownBy(() -> store.apply(put(0, "bad\uD800", 1, "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> store.apply(put(0, "big", 1, "x".repeat(EntryCodec.MAX_BYTES))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than the " + EntryCodec.MAX_BYTES);
        assertThatThrownBy(() -> store.get(-1, "a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slot must be between 0 and 63, was -1");
        assertThatThrownBy(() -> new Version(-1, 0)).hasMessage("epoch must be >= 0, was -1");
        assertThatThrownBy(() -> new Version(0, -2)).hasMessage("seq must be >= 0, was -2");
        assertThatThrownBy(() -> new Entry(-3, "a", Version.ZERO, null)).hasMessage("slot must be >= 0, was -3");
        assertThatThrownBy(() -> new StoreOptions(-1, true))
                .hasMessage("snapshotEveryEntries must be >= 0 (0 = never automatically), was -1");
        assertThatThrownBy(() -> KvStore.open(dir.resolve("other"), 1000, StoreOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slotCount must be a power of two between 1 and 1048576, was 1000");
    }

    @Test
    void versions_orderByEpochThenSeq() {
        assertThat(new Version(2, 0)).isGreaterThan(new Version(1, 99));
        assertThat(new Version(1, 2)).isGreaterThan(new Version(1, 1));
        assertThat(new Version(1, 2)).isEqualByComparingTo(new Version(1, 2));
        assertThat(new Version(0, 1).isAfter(Version.ZERO)).isTrue();
        assertThat(Version.ZERO.isAfter(Version.ZERO)).isFalse();
    }

    @Test
    void secondOpenOfTheSameDirectory_fails() throws Exception {
        open();

        assertThatThrownBy(() -> KvStore.open(dir, SLOTS, StoreOptions.defaults()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("already open");
    }

    @Test
    void close_isIdempotent_failsLaterWrites_andEndsEveryThread() throws Exception {
        KvStore store = open();
        store.apply(put(0, "a", 1, "x")).join();
        String prefix = "ringleader-kvstore-" + dir.getFileName() + "-";
        assertThat(threadsNamed(prefix)).isNotEmpty();

        store.close();
        store.close();

        assertThatThrownBy(() -> store.apply(put(0, "b", 2, "y")).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(store::snapshot).isInstanceOf(IllegalStateException.class);
        assertThat(store.get(0, "a")).isPresent();
        assertThat(threadsNamed(prefix)).isEmpty();
        // the directory is free again
        stores.add(KvStore.open(dir, SLOTS, StoreOptions.defaults()));
    }

    @Test
    void writesAcceptedBeforeClose_areSyncedAndAcknowledged() throws Exception {
        KvStore store = open();
        List<CompletableFuture<Boolean>> pending = IntStream.range(0, 500)
                .mapToObj(i -> store.apply(put(i % SLOTS, "k" + i, i + 1, "v" + i)))
                .toList();

        store.close();

        assertThat(pending).allSatisfy(f -> assertThat(f.join()).isTrue());
        try (KvStore reopened = KvStore.open(dir, SLOTS, StoreOptions.defaults())) {
            assertThat(reopened.keyCount()).isEqualTo(500);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void failedSync_failsItsBatchAndEveryLaterWrite_andCloseStillReturns(boolean ioError) throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        LogWriter.Sync failingSecond = channel -> {
            if (syncs.incrementAndGet() == 2) {
                if (ioError) {
                    throw new IOException("disk on fire");
                }
                throw new IllegalStateException("bug in the writer");
            }
            channel.force(false);
        };
        KvStore store = KvStore.open(dir, SLOTS, StoreOptions.defaults(), failingSecond);
        stores.add(store);
        assertThat(store.apply(put(0, "a", 1, "x")).join()).isTrue();

        assertThatThrownBy(() -> store.apply(put(0, "b", 2, "y")).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(IOException.class);
        assertThatThrownBy(() -> store.apply(put(0, "c", 3, "z")).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(IOException.class);
        assertThatThrownBy(store::snapshot).isInstanceOf(IOException.class).hasMessageContaining("could not roll");
        assertThat(store.get(0, "b")).isEmpty();

        store.close();
        try (KvStore reopened = KvStore.open(dir, SLOTS, StoreOptions.defaults())) {
            assertThat(reopened.get(0, "a")).isPresent();
            assertThat(reopened.get(0, "c")).isEmpty();
        }
    }

    private static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(prefix))
                .toList();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

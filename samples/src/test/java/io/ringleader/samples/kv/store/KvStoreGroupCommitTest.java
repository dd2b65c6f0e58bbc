package io.ringleader.samples.kv.store;

import static io.ringleader.samples.kv.store.StoreContents.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One sync covers every append waiting when it starts, and no append completes before its sync. */
class KvStoreGroupCommitTest {
    private static final int SLOTS = 64;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void appendsThatArriveDuringASync_allShareTheNextOne_andCompleteOnlyAfterIt() throws Exception {
        CountDownLatch firstSyncEntered = new CountDownLatch(1);
        CountDownLatch releaseFirstSync = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        LogWriter.Sync heldFirstSync = channel -> {
            if (calls.incrementAndGet() == 1) {
                firstSyncEntered.countDown();
                try {
                    releaseFirstSync.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            channel.force(false);
        };
        int threads = 8;
        int perThread = 250;
        ExecutorService appenders = Executors.newFixedThreadPool(threads);
        try (KvStore store = KvStore.open(dir, SLOTS, StoreOptions.defaults(), heldFirstSync)) {
            CompletableFuture<Boolean> first = store.apply(put(0, "first", 1, "x"));
            await().atMost(WAIT).until(() -> firstSyncEntered.getCount() == 0);

            List<CompletableFuture<List<CompletableFuture<Boolean>>>> submitted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                submitted.add(CompletableFuture.supplyAsync(
                        () -> IntStream.range(base, base + perThread)
                                .mapToObj(i -> store.apply(put(i % SLOTS, "k" + i, i + 1, "v" + i)))
                                .toList(),
                        appenders));
            }
            List<CompletableFuture<Boolean>> appends = new ArrayList<>();
            submitted.forEach(s -> appends.addAll(s.join()));
            await().atMost(WAIT).until(() -> store.queuedWrites() == threads * perThread);

            assertThat(first).isNotDone();
            assertThat(appends).noneMatch(CompletableFuture::isDone);
            assertThat(store.get(0, "first")).isEmpty();

            releaseFirstSync.countDown();
            CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).join();

            assertThat(first.join()).isTrue();
            assertThat(appends).allSatisfy(a -> assertThat(a.join()).isTrue());
            assertThat(store.syncCount()).isEqualTo(2);
            assertThat(store.keyCount()).isEqualTo(threads * perThread + 1);
        } finally {
            appenders.shutdown();
            appenders.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void applyAll_isOneSync() throws Exception {
        try (KvStore store = KvStore.open(dir, SLOTS, StoreOptions.defaults())) {
            List<Entry> batch = IntStream.range(0, 1_000)
                    .mapToObj(i -> put(i % SLOTS, "k" + i, i + 1, "v" + i))
                    .toList();

            assertThat(store.applyAll(batch).join()).isEqualTo(1_000);

            assertThat(store.syncCount()).isEqualTo(1);
        }
    }

    @Test
    void batchLargerThanAFrame_isSplitIntoSeveralFrames_andRecovered() throws Exception {
        String large = "x".repeat(EntryCodec.MAX_BYTES - 100);
        List<Entry> batch = IntStream.range(0, 5)
                .mapToObj(i -> put(i, "big" + i, i + 1, large))
                .toList();
        try (KvStore store = KvStore.open(dir, SLOTS, StoreOptions.defaults())) {
            assertThat(store.applyAll(batch).join()).isEqualTo(5);
            assertThat(store.syncCount()).isEqualTo(2);
        }

        try (KvStore store = KvStore.open(dir, SLOTS, StoreOptions.defaults())) {
            assertThat(store.keyCount()).isEqualTo(5);
            assertThat(store.get(4, "big4").orElseThrow().value()).isEqualTo(large);
        }
    }
}

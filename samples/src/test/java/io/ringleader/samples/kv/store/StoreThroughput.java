package io.ringleader.samples.kv.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Prints the store's append throughput and apply latency on this machine, fsync on: N threads each applying one
 * entry at a time and waiting for it, then one thread keeping up to 1,024 appends in flight. Not a test: run it by
 * hand (see docs/kv-storage.md).
 *
 * <p>Arguments, all optional: seconds per row (default 5), a directory on the disk to measure (default the temporary
 * directory; a fresh subdirectory is used and deleted).
 */
public final class StoreThroughput {
    private static final int SLOTS = 16_384;
    private static final String VALUE = "v".repeat(100);

    private StoreThroughput() {}

    /** One row: appends per second and latency percentiles. */
    private record Row(String name, long appends, double seconds, long syncs, long[] latencies) {
        String format() {
            Arrays.sort(latencies);
            return String.format(
                    "%-26s %10.0f %9.2f %9.2f %9.2f %12.1f",
                    name,
                    appends / seconds,
                    percentile(0.50),
                    percentile(0.99),
                    percentile(0.999),
                    (double) appends / Math.max(1, syncs));
        }

        private double percentile(double p) {
            return latencies[(int) Math.min(latencies.length - 1, Math.floor(p * latencies.length))] / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        Path parent = args.length > 1 ? Path.of(args[1]) : Path.of(System.getProperty("java.io.tmpdir"));
        Path root = Files.createTempDirectory(parent, "kvstore-throughput-");
        try {
            System.out.printf(
                    "directory %s, %d slots, 100-byte values, %.0f s per row, %d cores%n",
                    root, SLOTS, seconds, Runtime.getRuntime().availableProcessors());
            System.out.printf("raw fsync of a 150-byte append: p50 %.2f ms%n", rawFsyncMillis(root));
            System.out.printf(
                    "%-26s %10s %9s %9s %9s %12s%n",
                    "fsync on", "appends/s", "p50 ms", "p99 ms", "p99.9 ms", "entries/sync");
            for (int threads : new int[] {1, 4, 16, 64}) {
                System.out.println(
                        waiting(root.resolve("t" + threads), threads, seconds).format());
            }
            System.out.println(
                    pipelined(root.resolve("pipelined"), 1_024, seconds).format());
        } finally {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** {@code threads} appenders, each waiting for its append before the next. */
    private static Row waiting(Path dir, int threads, double seconds) throws Exception {
        try (KvStore store = KvStore.open(dir, SLOTS, new StoreOptions(0, true))) {
            AtomicLong next = new AtomicLong();
            run(store, threads, next, seconds / 5, new ArrayList<>()); // warm-up
            long syncsBefore = store.syncCount();
            List<long[]> latencies = new ArrayList<>();
            long started = System.nanoTime();
            long appends = run(store, threads, next, seconds, latencies);
            double elapsed = (System.nanoTime() - started) / 1e9;
            long[] all = latencies.stream().flatMapToLong(Arrays::stream).toArray();
            return new Row(
                    threads + " waiting appender" + (threads == 1 ? "" : "s"),
                    appends,
                    elapsed,
                    store.syncCount() - syncsBefore,
                    all);
        }
    }

    private static long run(KvStore store, int threads, AtomicLong next, double seconds, List<long[]> latencies)
            throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        CountDownLatch done = new CountDownLatch(threads);
        AtomicLong total = new AtomicLong();
        List<long[]> collected = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread appender = new Thread(
                    () -> {
                        long[] mine = new long[1 << 16];
                        int count = 0;
                        while (System.nanoTime() < deadline) {
                            long start = System.nanoTime();
                            store.apply(entry(next.getAndIncrement())).join();
                            if (count == mine.length) {
                                mine = Arrays.copyOf(mine, count * 2);
                            }
                            mine[count++] = System.nanoTime() - start;
                        }
                        total.addAndGet(count);
                        synchronized (collected) {
                            collected.add(Arrays.copyOf(mine, count));
                        }
                        done.countDown();
                    },
                    "throughput-appender-" + t);
            appender.start();
        }
        done.await();
        latencies.addAll(collected);
        return total.get();
    }

    /** One thread keeping up to {@code inFlight} appends outstanding. */
    private static Row pipelined(Path dir, int inFlight, double seconds) throws Exception {
        try (KvStore store = KvStore.open(dir, SLOTS, new StoreOptions(0, true))) {
            Semaphore permits = new Semaphore(inFlight);
            long[] latencies = new long[1 << 22];
            AtomicLong completed = new AtomicLong();
            long syncsBefore = store.syncCount();
            long started = System.nanoTime();
            long deadline = started + (long) (seconds * 1e9);
            long n = 0;
            while (System.nanoTime() < deadline && n < latencies.length) {
                permits.acquire();
                long start = System.nanoTime();
                int index = (int) n;
                store.apply(entry(n++)).whenComplete((applied, error) -> {
                    latencies[index] = System.nanoTime() - start;
                    completed.incrementAndGet();
                    permits.release();
                });
            }
            permits.acquire(inFlight);
            double elapsed = (System.nanoTime() - started) / 1e9;
            return new Row(
                    "pipelined, " + inFlight + " in flight",
                    completed.get(),
                    elapsed,
                    store.syncCount() - syncsBefore,
                    Arrays.copyOf(latencies, (int) n));
        }
    }

    private static Entry entry(long n) {
        String key = "key-" + n;
        return new Entry((int) (n & (SLOTS - 1)), key, new Version(1, n + 1), VALUE);
    }

    private static double rawFsyncMillis(Path root) throws IOException {
        Path file = root.resolve("raw-fsync");
        long[] times = new long[200];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < times.length; i++) {
                long start = System.nanoTime();
                channel.write(ByteBuffer.allocate(150));
                channel.force(false);
                times[i] = System.nanoTime() - start;
            }
        }
        Files.delete(file);
        Arrays.sort(times);
        return times[times.length / 2] / 1e6;
    }
}

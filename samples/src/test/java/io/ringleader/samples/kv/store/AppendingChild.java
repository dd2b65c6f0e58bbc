package io.ringleader.samples.kv.store;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A store run as a child JVM by {@link KvStoreCrashTest}: four threads append without end, and every append whose
 * future completes is printed as {@code ACK <n>}, only after the completion. The test kills it with SIGKILL. It exits
 * when its parent process ends, so that it never outlives the test.
 *
 * <p>Arguments: the store directory, the first n. Entry n writes key {@link #key} at version (1, n + 1): value
 * {@code v<n>}, or a tombstone when {@code n % 7 == 3}. Snapshots are taken every 2,000 entries, so that the kill may
 * also fall in the middle of one.
 */
public final class AppendingChild {
    static final int SLOTS = 64;
    static final int KEYS = 5_000;

    private AppendingChild() {}

    static Entry entry(long n) {
        String key = key(n);
        return new Entry(slot(key), key, new Version(1, n + 1), n % 7 == 3 ? null : "v" + n);
    }

    static String key(long n) {
        return "k" + (n % KEYS);
    }

    static int slot(String key) {
        return Integer.parseInt(key.substring(1)) % SLOTS;
    }

    public static void main(String[] args) throws Exception {
        // Never outlive the test's JVM.
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit()
                .thenRun(() -> Runtime.getRuntime().halt(0)));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        KvStore store = KvStore.open(Path.of(args[0]), SLOTS, new StoreOptions(2_000, true));
        AtomicLong next = new AtomicLong(Long.parseLong(args[1]));
        Semaphore inFlight = new Semaphore(256);
        for (int t = 0; t < 4; t++) {
            Thread appender = new Thread(
                    () -> {
                        while (true) {
                            inFlight.acquireUninterruptibly();
                            long n = next.getAndIncrement();
                            store.apply(entry(n)).whenComplete((applied, error) -> {
                                inFlight.release();
                                synchronized (out) {
                                    out.println(error == null ? "ACK " + n : "FAILED " + n + " " + error);
                                    out.flush();
                                }
                            });
                        }
                    },
                    "appender-" + t);
            appender.start();
        }
    }
}

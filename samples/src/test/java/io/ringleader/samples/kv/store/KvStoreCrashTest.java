package io.ringleader.samples.kv.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No acknowledged write is lost when the process dies with SIGKILL in the middle of appending. */
class KvStoreCrashTest {
    private static final int ROUNDS = 3;
    private static final int ACKS_BEFORE_KILL = 5_000;
    private static final long ROUND_STRIDE = 1_000_000;

    @TempDir
    Path tmp;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() throws Exception {
        for (Process child : children) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigkillWhileAppending_losesNoAcknowledgedEntry() throws Exception {
        Path dir = tmp.resolve("store");
        for (int round = 0; round < ROUNDS; round++) {
            Set<Long> acked = ConcurrentHashMap.newKeySet();
            List<String> other = new CopyOnWriteArrayList<>();
            Path log = tmp.resolve("child-" + round + ".log");
            Process child = start(dir, round * ROUND_STRIDE, log);
            Thread reader = readAcks(child, acked, other);

            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= ACKS_BEFORE_KILL || !child.isAlive());
            assertThat(child.isAlive())
                    .as("child alive until killed; its log: %s", Files.readString(log))
                    .isTrue();
            // SIGKILL through the handle: Process.destroyForcibly would also close the pipe and lose acks in it
            assertThat(child.toHandle().destroyForcibly()).isTrue();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(TimeUnit.SECONDS.toMillis(30));
            System.out.printf("round %d: %d entries acknowledged before SIGKILL%n", round, acked.size());

            assertThat(other).as("child output other than acks").isEmpty();
            assertThat(acked).hasSizeGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
            try (KvStore store = KvStore.open(dir, AppendingChild.SLOTS, StoreOptions.defaults())) {
                for (long n : acked) {
                    String key = AppendingChild.key(n);
                    Entry held = store.get(AppendingChild.slot(key), key).orElse(null);
                    assertThat(held).as("entry %d (key %s)", n, key).isNotNull();
                    assertThat(held.version()).as("entry %d", n).isGreaterThanOrEqualTo(new Version(1, n + 1));
                }
                for (int slot = 0; slot < store.slotCount(); slot++) {
                    assertThat(store.slotEntries(slot)).allSatisfy(e -> assertThat(e)
                            .isEqualTo(AppendingChild.entry(e.version().seq() - 1)));
                }
            }
        }
    }

    private Process start(Path dir, long first, Path log) throws Exception {
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx128m",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        AppendingChild.class.getName(),
                        dir.toString(),
                        Long.toString(first))
                .redirectError(log.toFile())
                .start();
        children.add(child);
        return child;
    }

    /** Reads the child's standard output to its end: acked entry numbers, and any other line. */
    private static Thread readAcks(Process child, Set<Long> acked, List<String> other) {
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in =
                            new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            if (line.startsWith("ACK ")) {
                                acked.add(Long.parseLong(line.substring(4)));
                            } else {
                                other.add(line);
                            }
                        }
                    } catch (Exception e) {
                        other.add(e.toString());
                    }
                },
                "test-child-acks");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}

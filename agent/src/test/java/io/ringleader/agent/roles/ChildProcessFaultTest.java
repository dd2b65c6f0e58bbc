package io.ringleader.agent.roles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.agent.testing.ChildPrimary;
import io.ringleader.agent.testing.TcpProxy;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary in a child JVM, killed with SIGKILL or paused with SIGSTOP past its session timeout, while it keeps
 * sending replication messages to a backup in this JVM that admits them through a {@link Fence}.
 */
class ChildProcessFaultTest extends ZooKeeperTestBase {
    private static final int SLOTS = 8;
    private static final long CHILD_SESSION_MILLIS = 2_000;
    private final List<Process> children = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** One replication message as the backup saw it. */
    record Received(long atNanos, int slot, long epoch, boolean admitted) {}

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : children) {
            signal(p, "CONT");
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        fixture.close();
    }

    private static void signal(Process p, String name) throws Exception {
        if (p.isAlive()) {
            new ProcessBuilder("kill", "-" + name, Long.toString(p.pid()))
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The backup b: admits the child's messages through the fence; on taking over, admits its own epoch. */
    private final Fence fence = Fence.forSlots(SLOTS);

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicLong takeoverEpoch = new AtomicLong();
    private final AtomicLong takeoverAt = new AtomicLong();

    private Process startChild(Path dir, int port) throws Exception {
        return startChild(dir, port, server.getConnectString());
    }

    private Process startChild(Path dir, int port, String connectString) throws Exception {
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx64m",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ChildPrimary.class.getName(),
                        connectString,
                        fixture.cluster(),
                        "p",
                        Long.toString(CHILD_SESSION_MILLIS),
                        Integer.toString(port))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        children.add(child);
        return child;
    }

    private int listen() throws Exception {
        ServerSocket socket = new ServerSocket(0);
        closeables.add(socket);
        Thread acceptor = new Thread(
                () -> {
                    try (Socket s = socket.accept();
                            BufferedReader in = new BufferedReader(
                                    new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            String[] parts = line.split(" ");
                            int slot = Integer.parseInt(parts[1]);
                            long epoch = Long.parseLong(parts[2]);
                            received.add(new Received(System.nanoTime(), slot, epoch, fence.admit(slot, epoch)));
                        }
                    } catch (Exception e) {
                        // the child died or the test ended
                    }
                },
                "test-backup-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        return socket.getLocalPort();
    }

    private Agent backupThatTakesOver() throws Exception {
        Agent b = fixture.start(fixture.member("b", 7002));
        b.roles().listenable().addListener(change -> {
            if (change.current().primary().size() == SLOTS && takeoverEpoch.get() == 0) {
                // As a real new primary does before serving: its own epoch becomes the newest for its slots.
                change.gainedPrimary().forEach(slot -> fence.admit(slot, change.epoch()));
                takeoverEpoch.set(change.epoch());
                takeoverAt.set(System.nanoTime());
            }
        });
        return b;
    }

    private static void writeRing(Agent writer) throws Exception {
        int[] table = new int[SLOTS * 2];
        for (int s = 0; s < SLOTS; s++) {
            table[2 * s] = 0; // p first everywhere
            table[2 * s + 1] = 1;
        }
        writer.curator()
                .create()
                .creatingParentsIfNeeded()
                .forPath(writer.clusterPath().ring(), RingCodec.encode(Ring.of(1, SLOTS, 2, List.of("p", "b"), table)));
    }

    private long awaitChildPrimary(Path dir) throws Exception {
        await().atMost(WAIT).until(() -> received.stream().anyMatch(Received::admitted));
        Received first =
                received.stream().filter(Received::admitted).findFirst().orElseThrow();
        assertThat(Files.readString(dir.resolve("child.log"))).contains("JOINED");
        return first.epoch();
    }

    @Test
    void aPrimaryKilledWithSigkill_isReplacedByItsBackup_atALargerEpoch(@TempDir Path dir) throws Exception {
        int port = listen();
        Agent b = backupThatTakesOver();
        Process child = startChild(dir, port);
        await().atMost(WAIT).until(() -> b.members().contains("p"));
        writeRing(b);
        long childEpoch = awaitChildPrimary(dir);

        child.destroyForcibly();

        await().atMost(WAIT).until(() -> takeoverEpoch.get() != 0);
        assertThat(takeoverEpoch.get()).isGreaterThan(childEpoch);
        assertThat(b.roles().current().primary().size()).isEqualTo(SLOTS);
        assertThat(received.stream().filter(r -> r.atNanos() > takeoverAt.get() && r.admitted()))
                .as("messages of the dead primary admitted after the takeover")
                .isEmpty();
    }

    @Test
    void aPrimaryPausedPastItsSessionTimeout_getsNothingAdmittedAfterItResumes(@TempDir Path dir) throws Exception {
        int port = listen();
        Agent b = backupThatTakesOver();
        Process child = startChild(dir, port);
        await().atMost(WAIT).until(() -> b.members().contains("p"));
        writeRing(b);
        long childEpoch = awaitChildPrimary(dir);

        signal(child, "STOP");
        await().atMost(WAIT).until(() -> takeoverEpoch.get() != 0);
        signal(child, "CONT");

        // The resumed child notices its expired session and ends its primary roles; meanwhile it may still send.
        await().atMost(WAIT)
                .until(() -> Files.readString(dir.resolve("child.log")).contains("active=false"));
        assertThat(takeoverEpoch.get()).isGreaterThan(childEpoch);
        List<Received> afterTakeover =
                received.stream().filter(r -> r.atNanos() > takeoverAt.get()).toList();
        assertThat(afterTakeover.stream().filter(Received::admitted))
                .as("messages of the paused primary admitted after the takeover")
                .isEmpty();
    }

    @Test
    void aPrimaryCutFromZooKeeperButNotFromItsPeers_stepsDownOnSuspended_andGetsNothingAdmittedAfterTheTakeover(
            @TempDir Path dir) throws Exception {
        int port = listen();
        Agent b = backupThatTakesOver();
        TcpProxy proxy = new TcpProxy("127.0.0.1", server.getPort());
        closeables.add(proxy);
        startChild(dir, port, proxy.connectString());
        await().atMost(WAIT).until(() -> b.members().contains("p"));
        writeRing(b);
        long childEpoch = awaitChildPrimary(dir);

        proxy.cut();

        await().atMost(WAIT).until(() -> takeoverEpoch.get() != 0);
        assertThat(takeoverEpoch.get()).isGreaterThan(childEpoch);
        // The child still reaches this test (its peer), but it stepped down when its connection was SUSPENDED, before
        // its session could expire, and nothing it sent after the takeover was admitted.
        await().atMost(WAIT)
                .until(() -> Files.readString(dir.resolve("child.log")).contains("active=false"));
        String firstStepDown = Files.readString(dir.resolve("child.log"))
                .lines()
                .filter(l -> l.contains("active=false"))
                .findFirst()
                .orElseThrow();
        assertThat(firstStepDown).contains("cause=connection suspended");
        assertThat(received.stream().filter(r -> r.atNanos() > takeoverAt.get() && r.admitted()))
                .as("messages of the partitioned primary admitted after the takeover")
                .isEmpty();
    }
}

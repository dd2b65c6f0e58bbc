package io.ringleader.samples.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.samples.job.RunLog.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code ringleader leader-job} instances as child JVMs (session timeout 2 s): the leader killed with
 * SIGKILL, the next one stopped by closing its standard input ({@code --parent-watch}), the last one with SIGTERM.
 * The job moves each time, the shared log stays one history, and every line a child printed as written is in it.
 */
class LeaderJobProcessTest {
    private static final String CLUSTER = "job-process";
    private static final String JOB = "report";
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Kept when a test fails: the children's output and logs are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private TestingServer zk;
    private CuratorFramework client;
    private final Map<String, Process> children = new LinkedHashMap<>();

    @BeforeEach
    void startZooKeeper() throws Exception {
        // tick 500 ms, so that a 2 s session timeout is allowed
        zk = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 500, -1), true);
        client = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        client.start();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process p : children.values()) {
            p.destroyForcibly();
        }
        for (Process p : children.values()) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
        client.close();
        zk.close();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive))
                .as("child processes left running")
                .isEmpty();
    }

    private Process start(String id) throws IOException {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dringleader.test.log=INFO",
                "-cp",
                System.getProperty("java.class.path"),
                "io.ringleader.samples.Main",
                "leader-job",
                "--zk",
                zk.getConnectString(),
                "--cluster",
                CLUSTER,
                "--id",
                id,
                "--name",
                JOB,
                "--every",
                "200ms",
                "--session-timeout",
                "2s",
                "--insecure",
                "--parent-watch");
        Process process = new ProcessBuilder(command)
                .redirectOutput(dir.resolve(id + ".out").toFile())
                .redirectError(dir.resolve(id + ".log").toFile())
                .start();
        children.put(id, process);
        return process;
    }

    private List<Entry> entries() throws Exception {
        return new RunLog(client, RunLog.path(ClusterPath.of(CLUSTER), JOB)).entries();
    }

    private List<String> participants() throws Exception {
        String election = ClusterPath.of(CLUSTER).election("job-" + JOB);
        return client.checkExists().forPath(election) == null
                ? List.of()
                : client.getChildren().forPath(election);
    }

    /** The writer of the last line, once it has written {@code runs} lines in a row. */
    private String awaitWriter(List<String> candidates, int runs) {
        return await().atMost(WAIT)
                .until(
                        () -> {
                            assertThat(children.entrySet().stream()
                                            .filter(e -> candidates.contains(e.getKey()))
                                            .filter(e -> !e.getValue().isAlive())
                                            .map(e -> e.getKey() + " exited with "
                                                    + e.getValue().exitValue()))
                                    .as("instances that exited")
                                    .isEmpty();
                            List<Entry> entries = entries();
                            if (entries.size() < runs) {
                                return null;
                            }
                            List<Entry> tail = entries.subList(entries.size() - runs, entries.size());
                            String writer = tail.get(0).member();
                            boolean sameWriter =
                                    tail.stream().allMatch(e -> e.member().equals(writer));
                            return sameWriter && candidates.contains(writer) ? writer : null;
                        },
                        writer -> writer != null);
    }

    @Test
    void theLeaderKilledWithSigkill_anotherTakesOver_andEveryStopMovesTheJobOn() throws Exception {
        List<String> alive = new ArrayList<>(List.of("job-1", "job-2", "job-3"));
        alive.forEach(id -> {
            try {
                start(id);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(WAIT).until(() -> participants().size() == 3);

        String first = awaitWriter(alive, 3);
        long firstEpoch = entries().get(entries().size() - 1).epoch();
        Process killed = children.get(first);
        killed.destroyForcibly();
        assertThat(killed.waitFor(10, TimeUnit.SECONDS)).as(first + " gone").isTrue();
        alive.remove(first);

        // Its latch znode lives until its session times out; then one of the others runs the job.
        String second = awaitWriter(alive, 3);
        assertThat(entries().stream().filter(e -> e.member().equals(second)))
                .allMatch(e -> e.epoch() > firstEpoch, "under a larger epoch than " + first + "'s");

        // Closing standard input stops an instance with --parent-watch: a graceful leave, no timeout to wait for.
        Process watched = children.get(second);
        watched.getOutputStream().close();
        assertThat(watched.waitFor(30, TimeUnit.SECONDS)).as(second + " exits").isTrue();
        assertThat(watched.exitValue()).isZero();
        alive.remove(second);
        assertThat(participants()).as("the election after " + second + " left").hasSize(1);
        String third = awaitWriter(alive, 3);

        Process terminated = children.get(third);
        terminated.destroy();
        assertThat(terminated.waitFor(30, TimeUnit.SECONDS))
                .as(third + " exits on SIGTERM")
                .isTrue();
        assertThat(participants()).as("the election after SIGTERM").isEmpty();

        List<Entry> entries = entries();
        LeaderJobTest.assertOneHistory(entries);
        assertThat(entries.stream().map(Entry::member).distinct()).containsExactly(first, second, third);
        for (String id : List.of(first, second, third)) {
            List<String> printed = Files.readAllLines(dir.resolve(id + ".out")).stream()
                    .filter(line -> line.startsWith("run ") || line.startsWith("refused"))
                    .toList();
            List<String> logged = entries.stream()
                    .filter(e -> e.member().equals(id))
                    .map(Entry::toString)
                    .toList();
            assertThat(printed).as(id + " printed runs").isNotEmpty();
            if (id.equals(first)) {
                // SIGKILL may fall between a write and its line: the log may hold one line more than printed.
                assertThat(logged).as("what the log holds of " + id).startsWith(printed.toArray(String[]::new));
                assertThat(logged.size())
                        .as("lines " + id + " wrote but did not print")
                        .isLessThanOrEqualTo(printed.size() + 1);
            } else {
                assertThat(logged)
                        .as("what the log holds of " + id + ", which printed each")
                        .isEqualTo(printed);
            }
        }
    }
}

package io.ringleader.coordinator.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.coordinator.zk.ZooKeeperStartException.Reason;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedZooKeeperTest {
    @TempDir
    Path tmp;

    @AfterEach
    void noServerThreadIsLeft() {
        await().atMost(Duration.ofSeconds(10)).until(ServerThreads::alive, threads -> threads.isEmpty());
    }

    @Test
    void startsOnAFreePort_andACuratorClientCanCreateANode() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder()
                        .port(0)
                        .dataDir(tmp.resolve("zk"))
                        .start();
                CuratorFramework client =
                        CuratorFrameworkFactory.newClient(zk.connectString(), 2000, 2000, new RetryOneTime(100))) {
            assertThat(zk.port()).isPositive();
            assertThat(zk.connectString()).isEqualTo("127.0.0.1:" + zk.port());
            assertThat(zk.dataDir()).isEqualTo(tmp.resolve("zk").toAbsolutePath());

            client.start();
            assertThat(client.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
            client.create().forPath("/hello", "world".getBytes(StandardCharsets.UTF_8));

            assertThat(new String(client.getData().forPath("/hello"), StandardCharsets.UTF_8))
                    .isEqualTo("world");
        }
    }

    @Test
    void close_isIdempotent_freesThePort_andDeletesATemporaryDataDir() {
        EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().port(0).start();
        Path dataDir = zk.dataDir();
        assertThat(dataDir).isDirectory();
        assertThat(ServerThreads.portIsFree(zk.port())).isFalse();

        zk.close();
        zk.close();

        assertThat(ServerThreads.alive()).isEmpty();
        assertThat(ServerThreads.portIsFree(zk.port())).isTrue();
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void aGivenDataDir_isKept_andCanBeReusedAfterClose() {
        Path dir = tmp.resolve("kept");
        EmbeddedZooKeeper.builder().port(0).dataDir(dir).start().close();

        assertThat(dir.resolve("version-2")).isDirectory();
        try (EmbeddedZooKeeper again =
                EmbeddedZooKeeper.builder().port(0).dataDir(dir).start()) {
            assertThat(again.dataDir()).isEqualTo(dir.toAbsolutePath());
        }
    }

    @Test
    void aTakenPort_failsWithPortInUse_namingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> EmbeddedZooKeeper.builder()
                            .port(port)
                            .dataDir(tmp.resolve("zk"))
                            .start())
                    .isInstanceOfSatisfying(ZooKeeperStartException.class, e -> assertThat(e.reason())
                            .isEqualTo(Reason.PORT_IN_USE))
                    .hasMessage("port " + port + " on 127.0.0.1 is already in use");
        }
    }

    @Test
    void aDataDirUnderARegularFile_failsNamingThePath() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain-file"), "not a directory");
        Path dir = file.resolve("zk");

        assertThatThrownBy(
                        () -> EmbeddedZooKeeper.builder().port(0).dataDir(dir).start())
                .isInstanceOfSatisfying(ZooKeeperStartException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.DATA_DIR_UNUSABLE))
                .hasMessage("cannot use " + dir + " as data directory: " + file + " is a file, not a directory");
    }

    @Test
    void aDataDirInUse_isRefused() {
        Path dir = tmp.resolve("shared");
        try (EmbeddedZooKeeper first =
                EmbeddedZooKeeper.builder().port(0).dataDir(dir).start()) {
            assertThatThrownBy(() ->
                            EmbeddedZooKeeper.builder().port(0).dataDir(dir).start())
                    .isInstanceOfSatisfying(ZooKeeperStartException.class, e -> assertThat(e.reason())
                            .isEqualTo(Reason.DATA_DIR_LOCKED))
                    .hasMessageContaining(dir.toAbsolutePath().toString());
        }
    }

    @Test
    void aServerThatFailsWhileStarting_failsFast_andLeavesNothingRunning() throws Exception {
        // a transaction log without a snapshot makes ZooKeeper fail after binding its port, the case in
        // which its own close() waits forever
        Path dir = Files.createDirectories(tmp.resolve("damaged").resolve("version-2"));
        byte[] garbage = new byte[4096];
        ThreadLocalRandom.current().nextBytes(garbage);
        Files.write(dir.resolve("log.1"), garbage);
        long started = System.nanoTime();

        assertThatThrownBy(() -> EmbeddedZooKeeper.builder()
                        .port(0)
                        .dataDir(dir.getParent())
                        .closeTimeout(Duration.ofSeconds(5))
                        .start())
                .isInstanceOfSatisfying(ZooKeeperStartException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.FAILED))
                .hasMessageContaining("failed to start");

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        // the data directory's lock is released: a repaired directory can be used again
        Files.delete(dir.resolve("log.1"));
        EmbeddedZooKeeper.builder().port(0).dataDir(dir.getParent()).start().close();
    }

    @Test
    void builder_rejectsBadValues_namingThem() {
        assertThatThrownBy(() -> EmbeddedZooKeeper.builder().tickTime(Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tickTime must be whole milliseconds between 10 ms and 60 s, was PT0.001S");
        assertThatThrownBy(() -> EmbeddedZooKeeper.builder().port(65536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port must be between 0 and 65535, was 65536");
        assertThatThrownBy(() -> EmbeddedZooKeeper.builder().startTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("startTimeout must be positive, was PT0S");
    }
}

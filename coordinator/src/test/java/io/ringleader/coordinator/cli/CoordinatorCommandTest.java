package io.ringleader.coordinator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CoordinatorCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine cli(CoordinatorCommand command) {
        return cli(command, out, err);
    }

    /** {@code ringleader} with this coordinator command, printing to {@code out} and {@code err}. */
    static CommandLine cli(CoordinatorCommand command, StringWriter out, StringWriter err) {
        CommandLine cli = RingleaderMain.commandLine(new ZkCommand(false), command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli;
    }

    @Test
    void runsUntilAskedToStop_andIsActiveMeanwhile(@TempDir Path dir) throws Exception {
        try (TestingServer server = new TestingServer(true)) {
            Path config = dir.resolve("coordinator.properties");
            Files.writeString(config, "ringleader.cluster=cli\nringleader.ring.slots=64\n");
            CoordinatorCommand command = new CoordinatorCommand();
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli(command)
                    .execute(
                            "coordinator",
                            "--config",
                            config.toString(),
                            "--zk",
                            server.getConnectString(),
                            "--id",
                            "c9",
                            "--http",
                            "off",
                            "--insecure"));
            try {
                await().atMost(Duration.ofSeconds(30))
                        .until(() ->
                                command.running() != null && command.running().isActive());
                assertThat(command.running().config().slotCount()).isEqualTo(64);
            } finally {
                command.requestStop();
            }
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(out.toString()).contains("coordinator c9 of cluster 'cli' on " + server.getConnectString());
        }
    }

    @Test
    void badSettings_exit2_withOneLineNamingTheProblem(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("coordinator.properties");
        Files.writeString(config, "ringleader.zk=127.0.0.1:2181\nringleader.cluster=c\nringleader.ring.slots=100\n");

        assertThat(cli(new CoordinatorCommand()).execute("coordinator", "--config", config.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("ringleader.ring.slots must be a power of two from 1 to 65536, was 100");

        StringWriter second = new StringWriter();
        CommandLine cli = cli(new CoordinatorCommand());
        cli.setErr(new PrintWriter(second, true));
        assertThat(cli.execute("coordinator", "--zk", "127.0.0.1:2181")).isEqualTo(2);
        assertThat(second.toString()).startsWith("ringleader.cluster (--cluster) is required");
    }

    @Test
    void withoutAuthenticationOrTheInsecureFlag_exit2_withOneLineNamingBothFixes(@TempDir Path dir) throws Exception {
        assertThat(cli(new CoordinatorCommand()).execute("coordinator", "--zk", "127.0.0.1:2181", "--cluster", "c"))
                .isEqualTo(2);
        assertThat(err.toString().strip())
                .doesNotContain("\n")
                .isEqualTo("no ZooKeeper authentication configured: set ringleader.auth.scheme and"
                        + " ringleader.auth.credentials.env, or set ringleader.insecure=true (--insecure) to let anyone"
                        + " write the cluster's znodes. Try 'ringleader coordinator --help'.");

        Path config = dir.resolve("coordinator.properties");
        Files.writeString(config, "ringleader.zk=127.0.0.1:2181\nringleader.cluster=c\nringleader.insecure=maybe\n");
        StringWriter bad = new StringWriter();
        CommandLine cli = cli(new CoordinatorCommand());
        cli.setErr(new PrintWriter(bad, true));
        assertThat(cli.execute("coordinator", "--config", config.toString())).isEqualTo(2);
        assertThat(bad.toString()).startsWith("ringleader.insecure must be true or false, was 'maybe'");
    }

    @Test
    void theInsecureSetting_isRead_authenticationNeedsNoFlag_andNeitherIsRefused() {
        Properties flag = CoordinatorConfig.properties(
                null, Map.of("ringleader.zk", "h:1", "ringleader.cluster", "c", "ringleader.insecure", "true"));
        assertThat(CoordinatorConfig.from(flag, name -> null).insecure()).isTrue();

        Properties authenticated = CoordinatorConfig.properties(
                null,
                Map.of(
                        "ringleader.zk", "h:1",
                        "ringleader.cluster", "c",
                        "ringleader.auth.scheme", "digest",
                        "ringleader.auth.credentials.env", "RL_TEST_CREDS"));
        CoordinatorConfig secured = CoordinatorConfig.from(authenticated, name -> "ops:secret");
        assertThat(secured.insecure()).isFalse();
        assertThat(secured.authScheme()).isEqualTo("digest");

        assertThatThrownBy(() -> Coordinator.create(CoordinatorConfig.defaults("h:1", "c")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no ZooKeeper authentication configured: ");
    }

    @Test
    void anUnreadableConfig_exit2_namingTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        assertThat(cli(new CoordinatorCommand()).execute("coordinator", "--config", missing.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("cannot read " + missing);
    }
}

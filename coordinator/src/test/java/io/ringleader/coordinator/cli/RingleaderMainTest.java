package io.ringleader.coordinator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.coordinator.zk.ServerThreads;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class RingleaderMainTest {
    private static final Pattern SERVING =
            Pattern.compile("ZooKeeper serving on (127\\.0\\.0\\.1:(\\d+)) \\(data in (.+)\\); Ctrl-C to stop");

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void noServerThreadIsLeft() {
        await().atMost(Duration.ofSeconds(10)).until(ServerThreads::alive, threads -> threads.isEmpty());
    }

    private int run(CommandLine cli, String... args) {
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private int run(String... args) {
        return run(RingleaderMain.commandLine(), args);
    }

    private String errLines() {
        return err.toString().strip();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "zk --help", "zk -h"})
    void help_printsUsage_andExits0(String args) {
        assertThat(run(args.split(" "))).isZero();

        assertThat(out.toString())
                .contains("Usage: ringleader")
                .contains("--help")
                .contains("--version");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void zkHelp_listsEveryOptionWithItsDefault() {
        assertThat(run("zk", "--help")).isZero();

        assertThat(out.toString())
                .contains("--port=PORT", "Default: 2181")
                .contains("--bind=ADDRESS", "Default: 127.0.0.1")
                .contains("--data-dir=DIR", "Default: ./data/zk")
                .contains("--tick-time=MILLIS", "Default: 500");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--version", "-V", "zk --version", "zk -V"})
    void version_printsTheVersion_andExits0(String args) {
        assertThat(run(args.split(" "))).isZero();

        assertThat(out.toString()).startsWith("ringleader " + RingleaderVersion.version() + System.lineSeparator());
    }

    @Test
    void extraSubcommands_getHelpAndVersionToo() {
        CommandLine cli = RingleaderMain.commandLine(new Extra());

        assertThat(run(cli, "extra", "--version")).isZero();
        assertThat(run(cli, "extra", "--help")).isZero();

        assertThat(out.toString())
                .contains("ringleader " + RingleaderVersion.version())
                .contains("Usage: ringleader extra");
    }

    @Command(name = "extra", description = "A command added by another module.")
    static final class Extra implements Runnable {
        @Override
        public void run() {}
    }

    @Test
    void anUnknownOption_isOneLine_andExits2() {
        assertThat(run("zk", "--prot", "2181")).isEqualTo(2);

        assertThat(errLines()).isEqualTo("Unknown option: '--prot'. Try 'ringleader zk --help'.");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void anUnknownCommand_isOneLine_andExits2() {
        assertThat(run("zookeeper")).isEqualTo(2);

        assertThat(errLines()).isEqualTo("Unknown command: 'zookeeper'. Try 'ringleader --help'.");
    }

    @Test
    void noCommand_printsUsageToStderr_andExits2() {
        assertThat(run()).isEqualTo(2);

        assertThat(err.toString()).startsWith("Missing command.").contains("Usage: ringleader");
        assertThat(out.toString()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "--port 65536|--port must be between 1 and 65535 (or 0 for a free port), was 65536."
                        + " Try 'ringleader zk --help'.",
                "--port -1|--port must be between 1 and 65535 (or 0 for a free port), was -1."
                        + " Try 'ringleader zk --help'.",
                "--port abc|Invalid value for option '--port': 'abc' is not an int. Try 'ringleader zk --help'.",
                "--tick-time 5|--tick-time must be between 10 and 60000 ms, was 5. Try 'ringleader zk --help'.",
                "--tick-time 60001|--tick-time must be between 10 and 60000 ms, was 60001."
                        + " Try 'ringleader zk --help'."
            })
    void anOutOfRangeValue_isOneLine_andExits2(String argsAndLine) {
        String[] parts = argsAndLine.split("\\|");
        String[] args = ("zk " + parts[0]).split(" ");

        assertThat(run(args)).isEqualTo(2);

        assertThat(errLines()).isEqualTo(parts[1]);
    }

    @Test
    void aTakenPort_isOneLineNamingThePortAndTheFlag_andExits1() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();

            int exit = run(
                    "zk",
                    "--port",
                    Integer.toString(port),
                    "--data-dir",
                    tmp.resolve("zk").toString());

            assertThat(exit).isEqualTo(1);
            assertThat(errLines())
                    .isEqualTo("port " + port + " on 127.0.0.1 is already in use (another ZooKeeper running?);"
                            + " stop it or choose another --port");
            assertThat(out.toString()).isEmpty();
        }
    }

    @Test
    void aDataDirUnderARegularFile_isOneLineNamingThePath_andExits1() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        Path dir = file.resolve("zk");

        int exit = run("zk", "--port", "0", "--data-dir", dir.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(errLines())
                .isEqualTo("cannot use " + dir + " as data directory: " + file
                        + " is a file, not a directory; choose another --data-dir");
    }

    @Test
    void anAddressOfAnotherMachine_isOneLine_andExits1() {
        // TEST-NET-3 (RFC 5737): never assigned to a local interface
        int exit = run(
                "zk",
                "--port",
                "0",
                "--bind",
                "203.0.113.7",
                "--data-dir",
                tmp.resolve("zk").toString());

        assertThat(exit).isEqualTo(1);
        assertThat(errLines()).contains("203.0.113.7").contains("--bind").doesNotContain("\n");
    }

    @Test
    void zk_servesUntilStopped_thenExits0_andFreesThePort() throws Exception {
        ZkCommand zk = new ZkCommand(false);
        CommandLine cli = RingleaderMain.commandLine(zk);
        Path dataDir = tmp.resolve("data");
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread runner = new Thread(
                () -> exit.complete(
                        run(cli, "zk", "--port", "0", "--tick-time", "200", "--data-dir", dataDir.toString())),
                "test-ringleader-zk");
        runner.start();

        Matcher serving = await().atMost(Duration.ofSeconds(30))
                .until(() -> SERVING.matcher(out.toString().strip()), Matcher::matches);
        String connectString = serving.group(1);
        int port = Integer.parseInt(serving.group(2));
        assertThat(Path.of(serving.group(3))).isEqualTo(dataDir.toAbsolutePath());
        try (CuratorFramework client =
                CuratorFrameworkFactory.newClient(connectString, 2000, 2000, new RetryOneTime(100))) {
            client.start();
            assertThat(client.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
            client.create().forPath("/ringleader", "up".getBytes(StandardCharsets.UTF_8));
            assertThat(client.checkExists().forPath("/ringleader")).isNotNull();
        }

        zk.requestStop();

        assertThat(exit.get(20, TimeUnit.SECONDS)).isZero();
        runner.join(5000);
        assertThat(zk.server()).isNull();
        assertThat(ServerThreads.portIsFree(port)).isTrue();
        assertThat(err.toString()).isEmpty();
    }
}

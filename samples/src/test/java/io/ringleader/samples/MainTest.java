package io.ringleader.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.coordinator.cli.RingleaderMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = RingleaderMain.commandLine(Main.sampleCommands().toArray());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void theDistribution_offersTheCoordinatorCommands_withHelpAndVersion() {
        assertThat(run("--help")).isZero();
        assertThat(run("zk", "--version")).isZero();

        assertThat(out.toString())
                .contains("Usage: ringleader")
                .contains("zk")
                .containsPattern("ringleader (dev|\\d+\\.\\d+\\S*)");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void everySampleCommand_hasHelp() {
        for (Object command : Main.sampleCommands()) {
            String name = new CommandLine(command).getCommandName();
            assertThat(run(name, "--help")).as(name).isZero();
        }
    }

    @Test
    void aWrongFlag_exits2() {
        assertThat(run("zk", "--prot", "1")).isEqualTo(2);

        assertThat(err.toString().strip()).isEqualTo("Unknown option: '--prot'. Try 'ringleader zk --help'.");
    }

    @Test
    void kvLoad_withABadTarget_exits2_namingTheFormat() {
        assertThat(run("kv-load", "--target", "127.0.0.1:2181", "--ops", "1")).isEqualTo(2);

        assertThat(err.toString().strip())
                .isEqualTo("kv-load: --target must be CLUSTER@ZK, e.g. demo@127.0.0.1:2181, was '127.0.0.1:2181'");
    }

    @Test
    void kvNode_withoutCluster_exits2_namingIt() {
        assertThat(run("kv-node", "--data", "x", "--zk", "127.0.0.1:1", "--insecure"))
                .isEqualTo(2);

        assertThat(err.toString()).startsWith("cluster is required");
    }

    @Test
    void kvNode_withoutAuthenticationOrInsecure_exits2_inOneLineNamingBothFixes() {
        assertThat(run("kv-node", "--data", "x", "--zk", "127.0.0.1:1", "--cluster", "kv"))
                .isEqualTo(2);

        assertThat(err.toString().strip())
                .isEqualTo("no ZooKeeper authentication configured: set ringleader.auth.scheme and"
                        + " ringleader.auth.credentials.env in --config FILE, or pass --insecure to let anyone write the"
                        + " cluster's znodes. Try 'ringleader kv-node --help'.");
    }

    @Test
    void kvLoad_withoutInsecure_exits2_namingTheFlag() {
        assertThat(run("kv-load", "--target", "kv@127.0.0.1:1", "--ops", "1")).isEqualTo(2);

        assertThat(err.toString().strip())
                .isEqualTo("kv-load: no ZooKeeper authentication configured: the key-value client has no ZooKeeper"
                        + " credentials; pass --insecure to let it run without (its znodes writable by anyone)");
    }
}

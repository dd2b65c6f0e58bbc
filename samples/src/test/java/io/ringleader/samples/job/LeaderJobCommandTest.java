package io.ringleader.samples.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.coordinator.cli.RingleaderMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LeaderJobCommandTest {
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = RingleaderMain.commandLine(new LeaderJobCommand());
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void missingZooKeeper_exits2_namingIt() {
        assertThat(run("leader-job", "--cluster", "c", "--insecure")).isEqualTo(2);
        assertThat(err.toString()).startsWith("connectString is required");
    }

    @Test
    void aBadJobName_exits2_namingTheValue() {
        assertThat(run("leader-job", "--zk", "127.0.0.1:1", "--cluster", "c", "--name", "a/b", "--insecure"))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("job name must be").contains("'a/b'");
    }

    @Test
    void aPeriodOfZero_exits2_namingTheValue() {
        assertThat(run("leader-job", "--zk", "127.0.0.1:1", "--cluster", "c", "--every", "0s", "--insecure"))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("period must be positive, was PT0S");
    }
}

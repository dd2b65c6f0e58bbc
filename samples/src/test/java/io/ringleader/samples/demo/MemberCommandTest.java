package io.ringleader.samples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.coordinator.cli.RingleaderMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MemberCommandTest {
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = RingleaderMain.commandLine(new MemberCommand());
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void missingSettings_exit2_namingWhatIsMissing() {
        assertThat(run("member", "--cluster", "c", "--port", "7001", "--insecure"))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("connectString is required");
    }

    @Test
    void aTypoInTheConfigFile_exits2_namingTheKey(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("agent.properties");
        Files.writeString(config, "ringleader.zk=127.0.0.1:1\nringleader.clustr=orders\n");
        assertThat(run("member", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("unknown setting 'ringleader.clustr'");
    }

    @Test
    void anUnreadableConfigFile_exits2_namingThePath(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        assertThat(run("member", "--config", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("cannot read --config " + missing);
    }
}

package io.ringleader.samples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.coordinator.cli.RingleaderMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs the README's first command in-process (a shorter run), with real child JVMs, and checks its story. */
class DemoCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = RingleaderMain.commandLine(new DemoCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void demo_crashRestartDrainAndCoordinatorFailover_loseNoAcknowledgedWrite(@TempDir Path logs) throws Exception {
        int exit = run("demo", "--nodes", "3", "--pace", "1s", "--session-timeout", "1s", "--logs", logs.toString());

        String story = out.toString();
        assertThat(exit).as("exit code; story:%n%s%nerrors:%n%s", story, err).isZero();
        assertThat(story)
                .contains("all 3 nodes UP")
                .containsPattern("takeover timeline after SIGKILL: detected \\(left the view\\) \\d+ ms -> new"
                        + " primaries serving every slot \\d+ ms -> first client operation on its slots acknowledged"
                        + " \\d+ ms")
                .containsPattern("caught up and turned UP after \\d+ ms; back inside the rebalance delay, it is primary"
                        + " of [1-9]\\d* slots again")
                .containsPattern("requests during the handoff: \\d+, failed: 0")
                .containsPattern("coordinator-2 active after \\d+ ms")
                .contains("verdict: OK")
                .contains("demo finished: no acknowledged write lost");
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive))
                .as("child processes left running")
                .isEmpty();
        try (Stream<Path> files = Files.walk(logs)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names)
                    .contains("kv-1.log", "kv-2.log", "kv-3.log", "coordinator-1.log", "coordinator-2.log")
                    .contains("history.jsonl");
        }
    }

    @Test
    void badArguments_exit2_withOneLine(@TempDir Path logs) {
        assertThat(run("demo", "--nodes", "2", "--logs", logs.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("--nodes must be between 3 and 9, was 2");

        assertThat(run("demo", "--session-timeout", "soon", "--logs", logs.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("'soon' is not a duration");
    }
}

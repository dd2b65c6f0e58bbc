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

/** Runs the README's first command in-process, with real child JVMs, and checks its story and its cleanup. */
class DemoCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = RingleaderMain.commandLine(new DemoCommand(), new MemberCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void demo_showsJoinsACrashAndAGracefulLeave_andLeavesNoProcessBehind(@TempDir Path logs) throws Exception {
        int exit = run("demo", "--members", "3", "--session-timeout", "1s", "--logs", logs.toString());

        String story = out.toString();
        assertThat(exit).as("exit code; story:%n%s%nerrors:%n%s", story, err).isZero();
        assertThat(story)
                .contains("all 3 members joined")
                .containsPattern("node-2 left the view \\d+ ms after SIGKILL")
                .containsPattern("node-1 left the view \\d+ ms after SIGTERM")
                .contains("demo finished");
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive))
                .as("child processes left running")
                .isEmpty();
        try (Stream<Path> files = Files.walk(logs)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names).contains("node-1.log", "node-2.log", "node-3.log");
        }
    }

    @Test
    void badArguments_exit2_withOneLine(@TempDir Path logs) {
        assertThat(run("demo", "--members", "1", "--logs", logs.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("--members must be between 2 and 9, was 1");

        assertThat(run("demo", "--session-timeout", "soon", "--logs", logs.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("'soon' is not a duration");
    }
}

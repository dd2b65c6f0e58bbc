package io.ringleader.samples.kv.check;

import static io.ringleader.samples.kv.check.Ops.get;
import static io.ringleader.samples.kv.check.Ops.history;
import static io.ringleader.samples.kv.check.Ops.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.coordinator.cli.RingleaderMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int run(String... args) {
        CommandLine cli = RingleaderMain.commandLine(new CheckCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private Path file(History history) throws IOException {
        Path file = dir.resolve("history.jsonl");
        history.write(file);
        return file;
    }

    @Test
    void aLinearizableHistory_exits0_withTheVerdict() throws IOException {
        Path file = file(history(put(1, "k", "a", 0, 10), get(2, "k", "a", 5, 12), get(2, "k", "a", 20, 21)));

        assertThat(run("kv-check", "--history", file.toString())).isZero();
        assertThat(out.toString())
                .contains("3 operations on 1 keys by 2 processes")
                .contains("final reads: 1 key read back")
                .contains("verdict: OK");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aViolation_exits1_namingTheKey() throws IOException {
        Path file = file(history(
                put(1, "k7", "a", 0, 1), put(1, "k7", "b", 2, 3), get(2, "k7", "a", 4, 5), get(2, "k7", "b", 6, 7)));

        assertThat(run("kv-check", "--history", file.toString())).isEqualTo(1);
        assertThat(out.toString())
                .contains("NOT LINEARIZABLE: 1 key")
                .contains("k7: GET returned a, though the PUT of b")
                .contains("verdict: NOT OK");
    }

    @Test
    void aMissingFile_exits2_withOneLine() {
        Path missing = dir.resolve("nope.jsonl");

        assertThat(run("kv-check", "--history", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("ringleader kv-check: no such file: " + missing + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aCorruptFile_exits2_withOneLineNamingTheLine() throws IOException {
        Path file = file(history(put(1, "k", "a", 0, 10)));
        Files.writeString(file, "{\"process\":1,\"type\"", java.nio.file.StandardOpenOption.APPEND);

        assertThat(run("kv-check", "--history", file.toString())).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("ringleader kv-check: " + file + " line 2: not JSON: ")
                .hasLineCount(1);
    }

    @Test
    void anEmptyFile_orADirectory_exits2_withOneLine() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.jsonl"));

        assertThat(run("kv-check", "--history", empty.toString())).isEqualTo(2);
        assertThat(run("kv-check", "--history", dir.toString())).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("ringleader kv-check: " + empty + " holds no operations" + System.lineSeparator()
                        + "ringleader kv-check: cannot read " + dir + ": ")
                .hasLineCount(2);
    }

    @Test
    void badUsage_exits2() {
        assertThat(run("kv-check")).isEqualTo(2);
        assertThat(err.toString()).startsWith("Missing required option: '--history=FILE'");

        assertThat(run("kv-check", "--history", "h.jsonl", "--max-states", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-states must be at least 1, was 0");
    }
}

package io.ringleader.samples.kv.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.coordinator.cli.RingleaderMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LoadCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(LoadCommand command, String... args) {
        CommandLine cli = RingleaderMain.commandLine(command, new CheckCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** A correct store in memory, whatever the target; closed after the run. */
    private static final class InMemoryStore implements KvClient.Factory, AutoCloseable {
        final InMemoryKvClient client = new InMemoryKvClient(new ConcurrentHashMap<>());
        final AtomicBoolean closed = new AtomicBoolean();
        String target;
        boolean insecure;

        @Override
        public KvClient open(int process) {
            return client;
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    @Test
    void aCorrectStore_exits0_andItsHistoryChecksOfflineToo(@TempDir Path dir) {
        InMemoryStore store = new InMemoryStore();
        BiFunction<String, Boolean, KvClient.Factory> clients = (target, insecure) -> {
            store.target = target;
            store.insecure = insecure;
            return store;
        };
        Path history = dir.resolve("run.jsonl");

        int exit = run(
                new LoadCommand(clients),
                "kv-load",
                "--target",
                "memory",
                "--workers",
                "3",
                "--keys",
                "5",
                "--ops",
                "500",
                "--seed",
                "7",
                "--history",
                history.toString(),
                "--insecure");

        assertThat(exit).as("out:%n%s%nerr:%n%s", out, err).isZero();
        assertThat(store.target).isEqualTo("memory");
        assertThat(store.insecure).isTrue();
        assertThat(store.closed).isTrue();
        assertThat(out.toString())
                .containsPattern("ringleader kv-load: 3 workers on 5 keys \\(r[0-9a-f]{6}-k0 to r[0-9a-f]{6}-k4\\), "
                        + "500 operations, seed 7, target memory")
                .containsPattern("history: 50[1-5] operations written to ")
                .contains("verdict: OK");

        out.getBuffer().setLength(0);
        assertThat(run(new LoadCommand(clients), "kv-check", "--history", history.toString()))
                .isZero();
        assertThat(out.toString()).contains("verdict: OK");
    }

    @Test
    void aStoreThatLosesWrites_exits1() {
        InMemoryKvClient lossy = new InMemoryKvClient() {
            @Override
            public void put(String key, String value) throws Exception {
                if (!map.containsKey(key)) {
                    super.put(key, value);
                }
            }
        };

        int exit = run(
                new LoadCommand((target, insecure) -> process -> lossy),
                "kv-load",
                "--keys",
                "3",
                "--ops",
                "300",
                "--delete-ratio",
                "0");

        assertThat(exit).as("out:%n%s%nerr:%n%s", out, err).isEqualTo(1);
        assertThat(out.toString()).contains("LOST ACKNOWLEDGED WRITES").contains("verdict: NOT OK");
    }

    @Test
    void withoutAClient_exits1_withOneLine() {
        assertThat(run(new LoadCommand(), "kv-load", "--ops", "1")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("kv-load: this build has no key-value client" + System.lineSeparator());
    }

    @Test
    void aClientThatCannotBeOpened_exits1_withOneLine() {
        int exit = run(
                new LoadCommand((target, insecure) -> process -> {
                    throw new java.io.IOException("connection refused: 127.0.0.1:7001");
                }),
                "kv-load",
                "--ops",
                "1");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString())
                .isEqualTo("ringleader kv-load: connection refused: 127.0.0.1:7001" + System.lineSeparator());
    }

    @Test
    void badOptions_exit2_namingTheValue() {
        LoadCommand command = new LoadCommand((target, insecure) -> process -> new InMemoryKvClient());

        assertThat(run(command, "kv-load", "--read-ratio", "0.8", "--delete-ratio", "0.3"))
                .isEqualTo(2);
        assertThat(err.toString()).startsWith("--read-ratio plus --delete-ratio must be at most 1, was 0.8 + 0.3");
    }
}

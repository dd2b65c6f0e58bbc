package io.ringleader.samples.demo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.coordinator.cli.RingleaderMain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /**
     * The story shows the ring: every node's primary slots (all 1,024, balanced within one slot), and where the killed
     * node's slots went: as many as it led in that first count, each to another node.
     */
    private static void assertShowsTheRing(String story) {
        Matcher perNode = Pattern.compile("primary slots per node: \\{(kv-\\d=\\d+(?:, kv-\\d=\\d+)*)}")
                .matcher(story);
        assertThat(perNode.find()).as("primary slots per node in:%n%s", story).isTrue();
        Map<String, Integer> byNode = new TreeMap<>();
        Stream.of(perNode.group(1).split(", "))
                .forEach(e ->
                        byNode.put(e.substring(0, e.indexOf('=')), Integer.parseInt(e.substring(e.indexOf('=') + 1))));
        List<Integer> counts = List.copyOf(byNode.values());
        assertThat(counts).hasSize(3);
        assertThat(counts.stream().mapToInt(Integer::intValue).sum()).isEqualTo(1024);
        assertThat(Collections.max(counts) - Collections.min(counts))
                .as("balance %s", counts)
                .isLessThanOrEqualTo(1);

        Matcher killed =
                Pattern.compile("SIGKILL (kv-\\d), primary of (\\d+) slots").matcher(story);
        assertThat(killed.find()).as("the killed node's slots in:%n%s", story).isTrue();
        String victim = killed.group(1);
        Matcher moved =
                Pattern.compile("primary slots moved to the backups: ([^;]+);").matcher(story);
        assertThat(moved.find()).as("the moved slots in:%n%s", story).isTrue();
        int total = 0;
        for (String move : moved.group(1).split(", ")) {
            Matcher m = Pattern.compile("(kv-\\d) -> (kv-\\d): (\\d+)").matcher(move);
            assertThat(m.matches()).as("move '%s'", move).isTrue();
            assertThat(m.group(1)).isEqualTo(victim);
            assertThat(m.group(2)).isNotEqualTo(victim);
            total += Integer.parseInt(m.group(3));
        }
        assertThat(Integer.parseInt(killed.group(2)))
                .as("%s's primary slots", victim)
                .isEqualTo(byNode.get(victim));
        assertThat(total).as("slots moved away from %s", victim).isEqualTo(byNode.get(victim));
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
        assertShowsTheRing(story);
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

    @Test
    void ctrlC_inTheMiddle_leavesNoProcessBehind(@TempDir Path logs) throws Exception {
        Process demo = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.ringleader.samples.Main",
                        "demo",
                        "--nodes",
                        "3",
                        "--pace",
                        "30s",
                        "--logs",
                        logs.toString())
                .redirectErrorStream(true)
                .start();
        try {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(), UTF_8))) {
                String line;
                do {
                    line = out.readLine();
                } while (line != null && !line.contains("load: "));
                assertThat(line).as("the demo reached its load").isNotNull();
                new ProcessBuilder("kill", "-INT", Long.toString(demo.pid()))
                        .start()
                        .waitFor(10, TimeUnit.SECONDS);
                out.transferTo(Writer.nullWriter());
            }
            assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("the demo exited").isTrue();
            String marker = logs.toString();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ProcessHandle.allProcesses()
                            .filter(ProcessHandle::isAlive)
                            .map(p -> p.info().commandLine().orElse(""))
                            .filter(command -> command.contains(marker)))
                    .as("processes of the demo still running")
                    .isEmpty());
        } finally {
            demo.destroyForcibly();
        }
    }
}

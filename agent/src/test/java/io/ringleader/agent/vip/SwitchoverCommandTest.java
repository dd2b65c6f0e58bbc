package io.ringleader.agent.vip;

import static io.ringleader.agent.vip.VipCluster.list;
import static io.ringleader.agent.vip.VipCluster.transitions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Endpoint;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.testing.LogCapture;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import io.ringleader.agent.vip.VipCluster.Change;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SwitchoverCommandTest extends ZooKeeperTestBase {
    private static final String NAME = "orders-db";

    @TempDir
    Path dir;

    private static Member member(String id, int port) {
        return new Member(id, new Endpoint("127.0.0.1", port), 1, null, MemberState.UP, Instant.now(), Map.of());
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void theCommandRunsOnEveryTakeover_withOldNewAndEpochAppended() throws Exception {
        Path file = dir.resolve("switchovers");
        Agent a = fixture.start(fixture.member("a", 7101));
        fixture.start(fixture.member("b", 7102));
        Agent client = fixture.observer();
        await().atMost(WAIT).until(() -> client.members().size() == 2);
        VirtualEndpoint endpoint = client.virtualEndpoint(NAME);
        List<Change> told = new CopyOnWriteArrayList<>();
        endpoint.listenable().addListener((old, now, epoch) -> told.add(Change.of(old, now, epoch)));
        // The shell is the test's command here; the action itself never runs one.
        endpoint.addSwitchoverAction(
                CommandSwitchover.builder(List.of("sh", "-c", "echo \"$@\" >> '" + file + "'", "sh"))
                        .timeout(Duration.ofSeconds(10))
                        .build());
        endpoint.start();

        VipCluster.writeRing(a, VipCluster.sameOrder(1, List.of("a", "b")));
        await().atMost(WAIT).until(() -> lines(file).size() == 1);
        a.close();
        await().atMost(WAIT).until(() -> lines(file).size() == 2);

        assertThat(transitions(told)).containsExactly("null->a", "a->b");
        assertThat(lines(file))
                .containsExactly(
                        "- 127.0.0.1:7101 " + told.get(0).epoch(),
                        "127.0.0.1:7101 127.0.0.1:7102 " + told.get(1).epoch());
    }

    @Test
    void aCommandPastItsTimeout_isKilledWithItsDescendants_andTheNextTakeoverStillRunsIt() throws Exception {
        Path file = dir.resolve("switchovers");
        Path pids = dir.resolve("pids");
        Path hung = dir.resolve("hung-once");
        // The first run leaves a child sleeping and waits for it; later runs return at once.
        String script = "echo \"$@\" >> '" + file + "'; if [ ! -e '" + hung + "' ]; then touch '" + hung + "'; "
                + "sleep 60 & echo $$ $! > '" + pids + "'; wait; fi";
        Agent a = fixture.start(fixture.member("a", 7201));
        fixture.start(fixture.member("b", 7202));
        Agent client = fixture.observer();
        await().atMost(WAIT).until(() -> client.members().size() == 2);
        VirtualEndpoint endpoint = client.virtualEndpoint(NAME);
        endpoint.addSwitchoverAction(CommandSwitchover.builder(List.of("sh", "-c", script, "sh"))
                .timeout(Duration.ofMillis(500))
                .build());

        try (LogCapture logs = new LogCapture()) {
            endpoint.start();
            VipCluster.writeRing(a, VipCluster.sameOrder(1, List.of("a", "b")));

            await().atMost(WAIT)
                    .until(() -> lines(pids).size() == 1 && lines(pids).get(0).split(" ").length == 2);
            List<ProcessHandle> started = java.util.Arrays.stream(
                            lines(pids).get(0).split(" "))
                    .map(p -> ProcessHandle.of(Long.parseLong(p)))
                    .flatMap(java.util.Optional::stream)
                    .toList();
            await().atMost(WAIT).until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
            await().atMost(WAIT).until(() -> logs.lines().stream()
                    .anyMatch(l -> l.startsWith("WARN ") && l.contains("still running after PT0.5S")));

            a.close();

            await().atMost(WAIT).until(() -> lines(file).size() == 2);
            assertThat(lines(file).get(0)).startsWith("- 127.0.0.1:7201 ");
            assertThat(lines(file).get(1)).startsWith("127.0.0.1:7201 127.0.0.1:7202 ");
            assertThat(logs.lines().stream().filter(l -> l.contains("killed it and 1 descendant")))
                    .hasSize(1);
        }
    }

    @Test
    void outputIsLoggedWithAPrefix_aFailingStatusFails_andNoConfiguredArgumentIsLogged() throws Exception {
        CommandSwitchover action = CommandSwitchover.builder(
                        List.of("sh", "-c", "echo hello \"$2\"; echo oops >&2; exit 3", "sh", "--token=s3cret"))
                .build();
        try (LogCapture logs = new LogCapture()) {
            assertThatThrownBy(() -> action.run(member("a", 7301), member("b", 7302), 42))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("sh exited with status 3")
                    .hasMessageNotContaining("s3cret");

            // The command printed its appended argument: the new master (the token is its $1).
            assertThat(logs.lines()).contains("INFO [switchover sh] hello 127.0.0.1:7301", "WARN [switchover sh] oops");
            assertThat(logs.lines()).anyMatch(l -> l.contains("127.0.0.1:7301 127.0.0.1:7302 42"));
            assertThat(logs.lines()).noneMatch(l -> l.contains("s3cret") || l.contains("echo hello"));
        }
        assertThat(action.toString()).isEqualTo("CommandSwitchover[sh]");
    }

    @Test
    void aCommandRunDirectly_pastItsTimeout_throwsAfterKillingIt() {
        CommandSwitchover action = CommandSwitchover.builder(List.of("sh", "-c", "exec sleep 60", "sh"))
                .timeout(Duration.ofMillis(200))
                .build();
        assertThatThrownBy(() -> action.run(null, member("b", 7402), 7))
                .isInstanceOf(TimeoutException.class)
                .hasMessage("sh still running after PT0.2S; killed it and 0 descendant process(es)");
    }

    @Test
    void theBuilderRejectsBadValues_namingThem() {
        assertThatThrownBy(() -> CommandSwitchover.builder(List.of()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("command must name a program, was []");
        assertThatThrownBy(() -> CommandSwitchover.builder(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("command must name a program, was null");
        assertThatThrownBy(() -> CommandSwitchover.builder(List.of(" ", "x")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("command's first element must be a program, was ' '");
        assertThatThrownBy(() -> CommandSwitchover.builder(list("move-ip", "--token=s3cret", null))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("command argument 2 of move-ip is null");
        assertThatThrownBy(() -> CommandSwitchover.builder(List.of("move-ip"))
                        .timeout(Duration.ofMillis(99))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be between PT0.1S and PT10M, was PT0.099S");
        assertThatThrownBy(() -> CommandSwitchover.builder(List.of("move-ip"))
                        .timeout(Duration.ofMinutes(10).plusMillis(1))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be between PT0.1S and PT10M, was PT10M0.001S");
        assertThatThrownBy(() -> CommandSwitchover.builder(List.of("move-ip"))
                        .timeout(null)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be between PT0.1S and PT10M, was null");
        CommandSwitchover ok = CommandSwitchover.builder(List.of("move-ip"))
                .timeout(Duration.ofMillis(100))
                .build();
        assertThat(ok.timeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(ok.program()).isEqualTo("move-ip");
    }
}

package io.ringleader.coordinator.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringleader.agent.Agent;
import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.EventLog;
import io.ringleader.agent.events.TakeoverTimeline;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;

/** {@code ringleader admin events}: the history as written by a coordinator and its members, and as stored. */
class AdminEventsTest extends AdminTestBase {
    private static final Duration WAIT = CoordinatorFixture.WAIT;

    private void write(Event... events) throws Exception {
        new EventLog(client, path, ZooDefs.Ids.OPEN_ACL_UNSAFE).append(List.of(events));
    }

    private static Event takeover(String member, int slots, long detected, long router, long primary) {
        return TakeoverTimeline.report(
                member, 0x40L, slots, List.of("kv-2"), List.of("kv-2"), detected, router, primary);
    }

    /** A small history: a join, a ring, a departure, its two takeover reports, a state change. */
    private void history() throws Exception {
        createCluster();
        long t = 1_763_820_191_000L;
        write(
                Event.of(Event.COORDINATOR, t, "c1", 0x10L, Map.of()),
                Event.of(Event.MEMBER_JOINED, t + 1, "kv-3", 0x11L, Map.of("state", "UP", "zone", "z1")),
                Event.of(
                        Event.RING,
                        t + 2,
                        null,
                        0x12L,
                        Map.of(
                                "coordinator", "c1",
                                "members", 3,
                                "slotsMoved", 21,
                                "entriesMoved", 42,
                                "primariesMoved", 21,
                                "reasons", Map.of("PLACED", 42))),
                Event.of(Event.MEMBER_LEFT, t + 3, "kv-2", 0x40L, Map.of()),
                takeover("kv-1", 12, t * 1000 + 3_000, t * 1000 + 3_400, t * 1000 + 3_600),
                takeover("kv-3", 9, t * 1000 + 3_100, t * 1000 + 3_900, t * 1000 + 4_200),
                Event.of(Event.MEMBER_STATE, t + 5, "kv-1", 0x41L, Map.of("from", "UP", "to", "DRAINING")));
    }

    @Test
    void events_printsTheHistoryOldestFirst_withEachTakeoverAsOneTimeline() throws Exception {
        history();

        Result r = admin("events");

        assertThat(r.exit()).isEqualTo(0);
        assertThat(r.err()).isEmpty();
        assertThat(r.out().lines())
                .containsExactly(
                        "2025-11-22T14:03:11Z      coordinator    c1 active at epoch 0x10",
                        "2025-11-22T14:03:11.001Z  member-joined  kv-3 (UP, zone z1)",
                        "2025-11-22T14:03:11.002Z  ring           epoch 0x12: 3 members, 21 slots moved (42 entries, 21"
                                + " primaries): PLACED 42, by c1",
                        "2025-11-22T14:03:11.003Z  member-left    kv-2",
                        "2025-11-22T14:03:11.003Z  takeover       epoch 0x40: 21 slots of [kv-2] to [kv-1, kv-3]"
                                + " (departed [kv-2]): detected +0 ms, routers updated +0.9 ms, new primary +1.2 ms",
                        "2025-11-22T14:03:11.005Z  member-state   kv-1 UP → DRAINING");
    }

    @Test
    void events_limit_showsTheLatestN() throws Exception {
        history();

        Result r = admin("events", "--limit", "2");

        assertThat(r.exit()).isEqualTo(0);
        assertThat(r.out().lines()).hasSize(2);
        assertThat(r.out().lines().toList().get(0))
                .contains("takeover")
                .contains("9 slots of [kv-2] to [kv-3]")
                .contains("routers updated +0.8 ms, new primary +1.1 ms");
        assertThat(r.out().lines().toList().get(1)).contains("member-state");
    }

    @Test
    void events_json_isOneLine_withTheEventsAndTheTimelines() throws Exception {
        history();

        JsonNode json = admin("events", "--json").json();

        assertThat(json.get("cluster").asText()).isEqualTo(cluster);
        assertThat(json.get("cap").asInt()).isEqualTo(EventLog.DEFAULT_CAP);
        assertThat(json.get("events")).hasSize(7);
        JsonNode ring = json.get("events").get(2);
        assertThat(ring.get("type").asText()).isEqualTo("ring");
        assertThat(ring.get("epoch").asLong()).isEqualTo(0x12);
        assertThat(ring.get("member").isNull()).isTrue();
        assertThat(ring.get("details").get("slotsMoved").asInt()).isEqualTo(21);
        assertThat(json.get("events").get(0).get("sequence").asLong())
                .isLessThan(ring.get("sequence").asLong());
        JsonNode t = json.get("takeovers").get(0);
        assertThat(json.get("takeovers")).hasSize(1);
        assertThat(t.get("epoch").asLong()).isEqualTo(0x40);
        assertThat(t.get("slots").asInt()).isEqualTo(21);
        assertThat(t.get("routersUpdatedMs").asDouble()).isEqualTo(0.9);
        assertThat(t.get("newPrimaryMs").asDouble()).isEqualTo(1.2);
        assertThat(t.get("reporters").toString()).isEqualTo("[\"kv-1\",\"kv-3\"]");
    }

    @Test
    void events_ofAClusterWithoutHistory_saysSo() throws Exception {
        createCluster();

        Result r = admin("events");

        assertThat(r.exit()).isEqualTo(0);
        assertThat(r.out().strip()).isEqualTo("no events in cluster '" + cluster + "'");
        assertThat(admin("events", "--json").json().get("events")).isEmpty();
    }

    @Test
    void aMalformedEvent_isSkippedWithOneWarning() throws Exception {
        history();
        client.create().forPath(path.events() + "/e-0000000099", "{\"format\":1}".getBytes(StandardCharsets.UTF_8));

        Result r = admin("events");

        assertThat(r.exit()).isEqualTo(0);
        assertThat(r.line())
                .isEqualTo("warning: skipping event " + path.events()
                        + "/e-0000000099: field 'type' is missing or not a string");
        assertThat(r.out().lines()).hasSize(6);
    }

    @Test
    void aBadLimit_isBadUsage_exit2() throws Exception {
        createCluster();

        Result negative = admin("events", "--limit", "-1");
        assertThat(negative.exit()).isEqualTo(2);
        assertThat(negative.line()).startsWith("--limit must be 0 (all) or more, was -1");

        Result notANumber = admin("events", "--limit", "many");
        assertThat(notANumber.exit()).isEqualTo(2);
        assertThat(notANumber.err()).contains("--limit");
    }

    @Test
    void anUnreachableZooKeeper_isOneLine_exit1() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = probe.getLocalPort();
        }

        Result r = run("admin", "events", "--zk", "127.0.0.1:" + port, "--cluster", "c", "--connect-timeout", "1s");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.line()).startsWith("cannot reach ZooKeeper at 127.0.0.1:" + port);
    }

    @Test
    void follow_printsNewEventsAsTheyAreWritten_untilInterrupted() throws Exception {
        history();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = io.ringleader.coordinator.cli.RingleaderMain.commandLine(
                new AdminCommand(env::get, tmp.resolve("no-such.properties")));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        AtomicInteger exit = new AtomicInteger(-1);
        Thread runner = new Thread(
                () -> exit.set(cli.execute(
                        "admin",
                        "events",
                        "--follow",
                        "--limit",
                        "1",
                        "--zk",
                        server.getConnectString(),
                        "--cluster",
                        cluster)),
                "events-follow");
        runner.start();
        try {
            await().atMost(WAIT).until(() -> out.toString().contains("member-state"));

            write(Event.of(Event.MEMBER_LEFT, 1, "kv-9", 0x50L, Map.of()));

            await().atMost(WAIT).until(() -> out.toString().contains("member-left    kv-9"));
        } finally {
            runner.interrupt();
            runner.join(WAIT.toMillis());
        }
        assertThat(runner.isAlive()).isFalse();
        assertThat(exit.get()).isEqualTo(0);
        assertThat(out.toString().lines()).hasSize(2);
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aRealTakeover_showsAsOneTimeline_fromTheCoordinatorAndTheMembers() throws Exception {
        try (CoordinatorFixture fixture = new CoordinatorFixture(server.getConnectString(), cluster)) {
            Coordinator c = fixture.coordinator("c1", Duration.ofMinutes(1));
            await().atMost(WAIT).until(() -> c.isActive() && c.members().isCurrent());
            Agent a = fixture.member("a");
            Agent b = fixture.member("b");
            await().atMost(WAIT)
                    .until(() ->
                            c.lastWritten().map(r -> r.members().size() == 2).orElse(false));
            await().atMost(WAIT)
                    .until(() -> b.roles().current().primary().size() == 32
                            && a.roles().current().primary().size() == 32);
            b.setState(MemberState.DOWN);

            await().atMost(WAIT).until(() -> admin("events").out().contains("takeover"));
            Result r = admin("events");

            assertThat(r.exit()).isEqualTo(0);
            assertThat(r.out())
                    .contains("coordinator    c1 active at epoch ")
                    .contains("member-joined  a (UP)")
                    .contains("member-joined  b (UP)")
                    .contains("ring           epoch ")
                    .contains("member-state   b UP → DOWN")
                    .containsPattern(
                            "takeover       epoch 0x[0-9a-f]+: 32 slots of \\[b\\] to \\[a\\]: detected \\+0 ms,"
                                    + " routers updated \\+\\d+\\.\\d ms, new primary \\+\\d+\\.\\d ms");
        }
    }
}

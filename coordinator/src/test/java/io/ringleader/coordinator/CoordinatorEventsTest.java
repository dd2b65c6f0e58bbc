package io.ringleader.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.EventLog;
import io.ringleader.agent.events.EventReader;
import io.ringleader.agent.events.TakeoverTimeline;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.ring.Ring;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CoordinatorEventsTest {
    private static final Duration WAIT = CoordinatorFixture.WAIT;
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static TestingServer server;
    private final String cluster = "coord-events-" + CLUSTERS.incrementAndGet();
    private final ClusterPath path = ClusterPath.of(cluster);
    private final List<String> skipped = new ArrayList<>();
    private CoordinatorFixture fixture;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void newFixture() {
        fixture = new CoordinatorFixture(server.getConnectString(), cluster);
    }

    @AfterEach
    void closeAll() throws Exception {
        fixture.close();
    }

    private Coordinator activeCoordinator(CoordinatorConfig config) {
        Coordinator c = fixture.coordinator(config);
        await().atMost(WAIT).until(() -> c.isActive() && c.members().isCurrent());
        return c;
    }

    private List<Event> events(Coordinator c) throws Exception {
        return new EventReader(c.curator(), path, skipped::add).latest(0);
    }

    private Optional<Event> find(Coordinator c, String type, String member) throws Exception {
        return events(c).stream()
                .filter(e -> e.type().equals(type) && (member == null || member.equals(e.member())))
                .findFirst();
    }

    private Event awaitEvent(Coordinator c, String type, String member) {
        return await().atMost(WAIT)
                .ignoreExceptions()
                .until(() -> find(c, type, member), Optional::isPresent)
                .get();
    }

    @Test
    void theActiveCoordinator_recordsItsTerm_joinsLeavesStateChanges_andEachRingWithWhatMoved() throws Exception {
        Coordinator c = activeCoordinator(fixture.config("c1", Duration.ZERO));

        Agent a = fixture.member("a");
        Agent b = fixture.member("b");
        await().atMost(WAIT)
                .until(() -> c.lastWritten().map(r -> r.members().size() == 2).orElse(false));
        a.setState(MemberState.DRAINING);
        b.close();

        Event term = awaitEvent(c, Event.COORDINATOR, "c1");
        assertThat(term.epoch()).isEqualTo(c.term().orElseThrow().epoch());
        Event joined = awaitEvent(c, Event.MEMBER_JOINED, "b");
        assertThat(joined.text("state")).isEqualTo("UP");
        assertThat(joined.at()).isPositive();
        Event state = awaitEvent(c, Event.MEMBER_STATE, "a");
        assertThat(state.details()).containsEntry("from", "UP").containsEntry("to", "DRAINING");
        Event left = awaitEvent(c, Event.MEMBER_LEFT, "b");
        assertThat(left.epoch()).isPositive();

        Ring last = await().atMost(WAIT)
                .until(() -> c.lastWritten().orElseThrow(), r -> r.members().equals(List.of("a")));
        Event ring = await().atMost(WAIT)
                .ignoreExceptions()
                .until(
                        () -> events(c).stream()
                                .filter(e -> e.type().equals(Event.RING) && e.epoch() == last.epoch())
                                .findFirst(),
                        Optional::isPresent)
                .get();
        assertThat(ring.text("coordinator")).isEqualTo("c1");
        assertThat(ring.number("members", -1)).isEqualTo(1);
        assertThat(ring.number("slotsMoved", -1)).isPositive();
        assertThat(ring.number("entriesMoved", -1)).isGreaterThanOrEqualTo(ring.number("slotsMoved", -1));
        assertThat(ring.counts("reasons")).containsKey("DEPARTED");

        List<Event> all = events(c);
        assertThat(all).extracting(Event::sequence).isSorted();
        assertThat(all.indexOf(left)).isLessThan(all.indexOf(ring));
        assertThat(all)
                .filteredOn(e -> e.type().equals(Event.MEMBER_JOINED))
                .extracting(Event::member)
                .containsExactly("a", "b");
        assertThat(skipped).isEmpty();
    }

    /**
     * Waits until {@code c} wrote a ring of {@code members} and each member derived its roles from it; returns how many
     * slots the first member is primary of (at least one).
     */
    private static int settledPrimariesOfFirst(Coordinator c, Agent... members) {
        Ring ring = await().atMost(WAIT)
                .until(
                        () -> c.lastWritten().orElse(null),
                        r -> r != null && r.members().size() == members.length);
        await().atMost(WAIT).until(() -> List.of(members).stream()
                .allMatch(m -> m.roles().current().active()
                        && m.roles().current().epoch() >= m.router().table().epoch()
                        && m.router().table().ringEpoch() == ring.epoch()));
        int primaries = members[0].roles().current().primary().size();
        assertThat(primaries).isPositive();
        return primaries;
    }

    /**
     * Waits for the one takeover of {@code slots} slots of member a by b and d, and checks its timeline against the
     * coordinator's record of a leaving.
     */
    private TakeoverTimeline awaitTakeoverOfA(Coordinator c, int slots) {
        TakeoverTimeline t = await().atMost(WAIT)
                .ignoreExceptions()
                .until(
                        () -> TakeoverTimeline.of(events(c)),
                        l -> l.size() == 1 && l.get(0).slots() == slots)
                .get(0);
        assertThat(t.previous()).containsExactly("a");
        assertThat(t.departed()).containsExactly("a");
        assertThat(t.reporters()).isNotEmpty().isSubsetOf("b", "d");
        assertThat(t.routersMicros()).isNotNegative();
        assertThat(t.newPrimaryMicros()).isGreaterThanOrEqualTo(t.routersMicros());
        Event left = awaitEvent(c, Event.MEMBER_LEFT, "a");
        assertThat(left.epoch()).as("the coordinator saw the same change").isEqualTo(t.epoch());
        return t;
    }

    @Test
    void aPrimaryClosingGracefully_givesOneTakeoverTimeline_fromItsSuccessors_withOrderedTimes() throws Exception {
        Coordinator c = activeCoordinator(fixture.config("c1", Duration.ofMinutes(1)));
        Agent a = fixture.member("a");
        Agent b = fixture.member("b");
        Agent d = fixture.member("d");
        int primaryOfA = settledPrimariesOfFirst(c, a, b, d);

        a.close();

        TakeoverTimeline t = awaitTakeoverOfA(c, primaryOfA);
        assertThat(t.epoch()).isEqualTo(b.router().table().epoch());
    }

    @Test
    void aPrimaryWhoseSessionExpires_givesOneTakeoverTimeline_fromItsSuccessors() throws Exception {
        Coordinator c = activeCoordinator(fixture.config("c1", Duration.ofMinutes(1)));
        Agent a = fixture.member("a");
        Agent b = fixture.member("b");
        Agent d = fixture.member("d");
        int primaryOfA = settledPrimariesOfFirst(c, a, b, d);

        // A crash as ZooKeeper sees it: the session expires and the ephemeral record goes with it.
        KillSession.kill(a.curator().getZookeeperClient().getZooKeeper());

        awaitTakeoverOfA(c, primaryOfA);
        // a comes back with a new session inside the rebalance delay and gets its slots back: no second takeover.
        await().atMost(WAIT).until(() -> a.roles().current().primary().size() == primaryOfA);
        assertThat(TakeoverTimeline.of(events(c))).hasSize(1);
    }

    @Test
    void aMemberBuiltWithoutTakeoverEvents_recordsNone() throws Exception {
        Coordinator c = activeCoordinator(fixture.config("c1", Duration.ofMinutes(1)));
        Agent a = fixture.member("a");
        Agent b = fixture.track(Agent.builder()
                .insecure()
                .connectString(server.getConnectString())
                .cluster(cluster)
                .memberId("b")
                .endpoint("127.0.0.1", 7000)
                .takeoverEvents(false)
                .build());
        b.start();
        b.awaitJoined(WAIT);
        await().atMost(WAIT)
                .until(() -> c.lastWritten().map(r -> r.members().size() == 2).orElse(false));
        await().atMost(WAIT).until(() -> !b.roles().current().backup().isEmpty());

        a.close();

        await().atMost(WAIT).until(() -> b.roles().current().primary().size() == 64);
        awaitEvent(c, Event.MEMBER_LEFT, "a");
        assertThat(events(c)).noneMatch(e -> e.type().equals(Event.TAKEOVER));
    }

    @Test
    void theConfiguredCap_isPublished_andTheHistoryIsTrimmedToIt() throws Exception {
        Coordinator c = fixture.coordinator(fixture.config("c1", Duration.ZERO).withEventsCap(10));
        await().atMost(WAIT).until(c::isActive);
        EventLog log = new EventLog(c.curator(), path, ZooDefs.Ids.OPEN_ACL_UNSAFE);
        for (int i = 0; i < 30; i++) {
            log.append(Event.of("test", i, null, null, Map.of()));
        }

        fixture.member("a");

        Event joined = awaitEvent(c, Event.MEMBER_JOINED, "a");
        assertThat(EventLog.capOf(c.curator().getData().forPath(path.events()))).isEqualTo(10);
        assertThat(c.curator().getChildren().forPath(path.events())).hasSizeLessThanOrEqualTo(11);
        assertThat(events(c)).contains(joined);
    }
}

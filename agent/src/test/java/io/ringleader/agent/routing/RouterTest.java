package io.ringleader.agent.routing;

import static io.ringleader.agent.routing.RoutingTableTest.rotatingRing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.layout.RingStore;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberIdConflictException;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.membership.MemberView;
import io.ringleader.agent.membership.Membership;
import io.ringleader.agent.membership.MembershipListener;
import io.ringleader.agent.membership.RegistrationState;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.curator.framework.listen.Listenable;
import org.apache.curator.test.KillSession;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

class RouterTest extends ZooKeeperTestBase {
    private static final List<String> ABC = List.of("a", "b", "c");
    /** A ring of 16 slots, epoch 1, that lists only a. */
    private static final Ring ONLY_A = rotatingRing(1, 16, List.of("a"));

    private static void awaitEpoch(Agent agent, long epoch) {
        await().atMost(WAIT)
                .until(() -> agent.router().status().ringEpoch() == epoch
                        && agent.router().table().ringEpoch() == epoch);
    }

    private static void awaitUp(Agent agent, String... ids) {
        await().atMost(WAIT).until(() -> agent.router().table().upMembers().stream()
                .map(Member::id)
                .collect(Collectors.toSet())
                .equals(Set.of(ids)));
    }

    /** Member a, started, serving {@code ring} (written by a). */
    private Agent startAServing(Ring ring) throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        writeRing(a, ring);
        awaitEpoch(a, ring.epoch());
        return a;
    }

    private List<Agent> startABC() throws Exception {
        List<Agent> agents = new ArrayList<>();
        for (String id : ABC) {
            agents.add(fixture.start(fixture.member(id, 7001 + agents.size())));
        }
        return agents;
    }

    /** A key whose slot lists {@code first} at rank 0. */
    private static String keyWithPrimary(Ring ring, String first) {
        for (int i = 0; ; i++) {
            String key = "key-" + i;
            if (first.equals(ring.primaryId(ring.slotOf(key)))) {
                return key;
            }
        }
    }

    @Test
    void ringWritten_everyRouterConvergesToTheSameEpoch_andRoutesEveryKeyAlike() throws Exception {
        List<Agent> agents = new ArrayList<>(startABC());
        agents.add(fixture.observer());
        Ring ring = rotatingRing(1, 64, ABC);
        writeRing(agents.get(0), ring);

        for (Agent agent : agents) {
            awaitEpoch(agent, 1);
            awaitUp(agent, "a", "b", "c");
            assertThat(agent.router().status().isHealthy()).isTrue();
        }
        for (int i = 0; i < 500; i++) {
            String key = "order-" + i;
            int slot = ring.slotOf(key);
            for (Agent agent : agents) {
                assertThat(agent.router().slotOf(key)).isEqualTo(slot);
                assertThat(agent.router().route(key).id()).isEqualTo(ring.primaryId(slot));
                assertThat(agent.router().replicas(key))
                        .extracting(Member::id)
                        .containsExactlyElementsOf(ring.replicas(slot));
            }
        }
    }

    @Test
    void primaryMoves_toTheNextReplica_whenItsMemberIsNotUpOrLeaves_withoutAnyZooKeeperWrite() throws Exception {
        List<Agent> agents = startABC();
        Agent a = agents.get(0);
        Agent b = agents.get(1);
        Agent c = agents.get(2);
        Agent observer = fixture.observer();
        Ring ring = rotatingRing(1, 64, ABC);
        writeRing(a, ring);
        awaitEpoch(observer, 1);
        awaitUp(observer, "a", "b", "c");
        Stat written = a.curator().checkExists().forPath(a.clusterPath().ring());
        String key = keyWithPrimary(ring, "b"); // replicas b, c, a
        assertThat(observer.router().route(key).id()).isEqualTo("b");
        List<RoutingTable> seen = new CopyOnWriteArrayList<>();
        observer.router().listenable().addListener((previous, current) -> seen.add(current));

        b.setState(MemberState.DRAINING);
        for (Agent agent : List.of(a, observer)) {
            awaitUp(agent, "a", "c");
            assertThat(agent.router().route(key).id()).isEqualTo("c");
            assertThat(agent.router().replicas(key)).extracting(Member::id).containsExactly("b", "c", "a");
        }

        c.close();
        for (Agent agent : List.of(a, observer)) {
            awaitUp(agent, "a");
            assertThat(agent.router().route(key).id()).isEqualTo("a");
            assertThat(agent.router().replicas(key)).extracting(Member::id).containsExactly("b", "a");
        }
        assertThat(seen).isNotEmpty();
        assertThat(seen.get(seen.size() - 1).upMembers()).extracting(Member::id).containsExactly("a");
        Stat after = a.curator().checkExists().forPath(a.clusterPath().ring());
        assertThat(after.getMzxid()).as("the ring znode was not written").isEqualTo(written.getMzxid());

        b.close();
        a.close();
        await().atMost(WAIT).until(() -> observer.router().table().upMembers().isEmpty());
        assertThatThrownBy(() -> observer.router().route(key))
                .isInstanceOf(NoRouteException.class)
                .hasMessageContaining("no route for slot " + ring.slotOf(key));
    }

    @Test
    void corruptRing_overAGoodOne_keepsTheGoodRing_andTheStatusNamesTheProblem() throws Exception {
        Agent a = startAServing(ONLY_A);
        long goodZxid = a.router().status().ringZxid();

        writeRaw(a, "{not json".getBytes(StandardCharsets.UTF_8));
        await().atMost(WAIT).until(() -> a.router().status().problem() != null);
        RouterStatus status = a.router().status();
        assertThat(status.problem())
                .contains(a.clusterPath().ring())
                .contains("not JSON")
                .startsWith("unreadable ring record at zxid 0x");
        assertThat(status.ringEpoch()).isEqualTo(1);
        assertThat(status.ringZxid()).isEqualTo(goodZxid);
        assertThat(status.isHealthy()).isFalse();
        assertThat(a.router().route("k").id()).isEqualTo("a");

        writeRaw(a, "{\"format\":99}".getBytes(StandardCharsets.UTF_8));
        await().atMost(WAIT).until(() -> a.router().status().problem().contains("ring format 99 is not supported"));
        assertThat(a.router().table().ringEpoch()).isEqualTo(1);

        writeRing(a, rotatingRing(2, 16, List.of("a")));
        awaitEpoch(a, 2);
        assertThat(a.router().status().problem()).isNull();
        assertThat(a.router().status().isHealthy()).isTrue();
    }

    @Test
    void corruptRing_isLoggedOnce_evenWhenReReadAfterASessionExpiry() throws Exception {
        Agent a = startAServing(ONLY_A);
        List<String> errors = new CopyOnWriteArrayList<>();
        var appender =
                new org.apache.logging.log4j.core.appender.AbstractAppender(
                        "router-errors", null, null, true, org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
                    @Override
                    public void append(org.apache.logging.log4j.core.LogEvent event) {
                        if (event.getLevel() == org.apache.logging.log4j.Level.ERROR) {
                            errors.add(event.getMessage().getFormattedMessage());
                        }
                    }
                };
        appender.start();
        var logger =
                (org.apache.logging.log4j.core.Logger) org.apache.logging.log4j.LogManager.getLogger(ZkRouter.class);
        logger.addAppender(appender);
        try {
            writeRaw(a, "garbage".getBytes(StandardCharsets.UTF_8));
            await().atMost(WAIT).until(() -> a.router().status().problem() != null);
            long oldSession = a.curator().getZookeeperClient().getZooKeeper().getSessionId();
            KillSession.kill(a.curator().getZookeeperClient().getZooKeeper());
            await().atMost(WAIT)
                    .until(() -> a.curator().getZookeeperClient().getZooKeeper().getSessionId() != oldSession
                            && a.router().status().current());
            // A barrier: the router has handled everything before this good ring.
            writeRing(a, rotatingRing(2, 16, List.of("a")));
            awaitEpoch(a, 2);
        } finally {
            logger.removeAppender(appender);
        }
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0))
                .contains(a.clusterPath().ring())
                .contains("not JSON")
                .contains("keeping ring epoch 1");
    }

    @Test
    void lowerEpoch_isIgnored() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Agent b = fixture.start(fixture.member("b", 7002));
        Ring five = rotatingRing(5, 16, List.of("a", "b"));
        writeRing(a, five);
        awaitEpoch(a, 5);

        // An older ring with other primaries: a stale writer.
        writeRing(a, rotatingRing(3, 16, List.of("b", "a")));
        await().atMost(WAIT)
                .until(() -> a.router().status().problemIfAny().orElse("").contains("lower than the served epoch 5"));
        assertThat(a.router().table().ring()).contains(five);

        writeRing(a, rotatingRing(6, 16, List.of("b", "a")));
        awaitEpoch(a, 6);
        awaitEpoch(b, 6);
        assertThat(a.router().status().problem()).isNull();
    }

    @Test
    void sessionExpiry_reReadsTheRing_andKeepsFollowingIt() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Agent writer = fixture.observer();
        writeRing(writer, rotatingRing(1, 16, List.of("a")));
        awaitEpoch(a, 1);
        long oldSession = a.curator().getZookeeperClient().getZooKeeper().getSessionId();

        KillSession.kill(a.curator().getZookeeperClient().getZooKeeper());
        // Written while a's session is gone: only the re-read on reconnect can see it.
        writeRing(writer, rotatingRing(2, 16, List.of("a")));

        await().atMost(WAIT)
                .until(() -> a.curator().getZookeeperClient().getZooKeeper().getSessionId() != oldSession
                        && a.router().status().ringEpoch() == 2
                        && a.router().status().current());
        // The watch is set again on the new handle.
        writeRing(writer, rotatingRing(3, 16, List.of("a")));
        awaitEpoch(a, 3);
        awaitUp(a, "a");
        assertThat(a.router().route("k").id()).isEqualTo("a");
    }

    @Test
    void ringCreatedAfterTheAgentStarted_isPickedUp() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        await().atMost(WAIT).until(() -> a.router().status().current());
        RouterStatus before = a.router().status();
        assertThat(before.hasRing()).isFalse();
        assertThat(before.problem())
                .isEqualTo("no ring znode at " + a.clusterPath().ring() + " yet");
        assertThatThrownBy(() -> a.router().route("k"))
                .isInstanceOf(NoRouteException.class)
                .hasMessageContaining("no ring");

        writeRing(a, rotatingRing(4, 16, List.of("a")));
        awaitEpoch(a, 4);
        awaitUp(a, "a");
        assertThat(a.router().route("k").id()).isEqualTo("a");
    }

    @Test
    void ringDeleted_keepsTheLastGoodRing_untilANewOneIsWritten() throws Exception {
        Agent a = startAServing(ONLY_A);
        awaitUp(a, "a");

        a.curator().delete().forPath(a.clusterPath().ring());
        await().atMost(WAIT)
                .until(() -> "ring znode deleted".equals(a.router().status().problem()));
        assertThat(a.router().status().ringEpoch()).isEqualTo(1);
        assertThat(a.router().route("k").id()).isEqualTo("a");

        writeRing(a, rotatingRing(2, 16, List.of("a")));
        awaitEpoch(a, 2);
        assertThat(a.router().status().problem()).isNull();
    }

    @Test
    void aRingInChunks_isServed_andEveryRewriteFollowed_whetherInChunksOrWhole() throws Exception {
        Agent a = startAServing(ONLY_A);
        awaitUp(a, "a");
        Ring chunked = rotatingRing(2, 1024, List.of("a", "b", "c"));
        String dir = writeRingInChunks(a, chunked, 100);
        assertThat(a.curator().getChildren().forPath(a.clusterPath().ringChunks() + "/" + dir))
                .hasSizeGreaterThan(1);
        awaitEpoch(a, 2);
        assertThat(a.router().status().problem()).isNull();
        assertThat(a.router().table().ring()).contains(chunked);

        writeRingInChunks(a, rotatingRing(3, 1024, List.of("a", "b")), 100);
        awaitEpoch(a, 3);
        writeRing(a, rotatingRing(4, 16, List.of("a")));
        awaitEpoch(a, 4);
        assertThat(a.router().route("k").id()).isEqualTo("a");
        assertThat(a.router().status().problem()).isNull();
    }

    @Test
    void aRingInChunks_withAChunkAlteredOrGone_keepsTheLastGoodRing_andTheStatusNamesTheProblem() throws Exception {
        Agent a = startAServing(ONLY_A);
        awaitUp(a, "a");
        String chunks = a.clusterPath().ringChunks();

        RingStore.Prepared altered = prepareInChunks(a, rotatingRing(2, 1024, List.of("a", "b")), 100);
        byte[] first = a.curator().getData().forPath(chunks + "/" + altered.dir() + "/0");
        first[first.length - 1] ^= 1;
        a.curator().setData().forPath(chunks + "/" + altered.dir() + "/0", first);
        writeRaw(a, altered.record());
        await().atMost(WAIT)
                .until(() -> a.router().status().problem() != null
                        && a.router().status().problem().contains("has CRC-32"));
        assertThat(a.router().status().problem())
                .startsWith("unreadable ring record at zxid 0x")
                .contains(a.clusterPath().ring(), altered.dir(), "the header says");
        assertThat(a.router().table().ringEpoch()).isEqualTo(1);
        assertThat(a.router().route("k").id()).isEqualTo("a");

        RingStore.Prepared gone = prepareInChunks(a, rotatingRing(3, 1024, List.of("a", "b")), 100);
        a.curator().delete().forPath(chunks + "/" + gone.dir() + "/1");
        writeRaw(a, gone.record());
        await().atMost(WAIT)
                .until(() -> a.router().status().problem() != null
                        && a.router().status().problem().contains("is missing"));
        assertThat(a.router().status().problem())
                .contains("chunk 1 of ring epoch 3", gone.dir(), "and the ring znode still names it");
        assertThat(a.router().table().ringEpoch()).isEqualTo(1);
        assertThat(a.router().status().isHealthy()).isFalse();

        writeRingInChunks(a, rotatingRing(4, 1024, List.of("a", "b")), 100);
        awaitEpoch(a, 4);
        assertThat(a.router().status().problem()).isNull();
        assertThat(a.router().status().isHealthy()).isTrue();
    }

    @Test
    void aChunkGoneBecauseTheRingWasWrittenAgain_isReadAgainAtOnce_andNothingIsReportedUnreadable() throws Exception {
        Agent a = startAServing(ONLY_A);
        awaitUp(a, "a");
        Ring newest = rotatingRing(4, 1024, List.of("a", "b"));
        List<String> reads = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicReference<AutoCloseable> held = new AtomicReference<>();
        ((ZkRouter) a.router()).beforeRingRead(header -> {
            if (header == null) {
                return; // a whole ring
            }
            reads.add("epoch " + header.epoch() + ", problem "
                    + a.router().status().problem());
            if (header.epoch() != 2 || held.get() != null) {
                return;
            }
            try {
                // Between the read of the header of epoch 2 and the read of its chunks: hold the watch events, so
                // that only the router's own read again can serve a newer ring, and write two rings as a coordinator
                // would, the second collecting the chunks of epoch 2 (the first keeps them: its previous ring's).
                held.set(holdWatchEvents(a));
                String third = writeRingInChunks(a, rotatingRing(3, 1024, List.of("a", "b")), 100);
                writeRingInChunks(a, newest, 100);
                RingStore.collect(a.curator(), a.clusterPath(), newest.epoch(), third);
            } catch (Exception e) {
                failures.add(e);
            }
        });
        try {
            writeRingInChunks(a, rotatingRing(2, 1024, List.of("a", "b")), 100);
            awaitEpoch(a, 4);
            assertThat(failures).isEmpty();
            // epoch 2 found a chunk gone and the ring znode changed: epoch 4 read next, with nothing reported
            assertThat(reads).containsExactly("epoch 2, problem null", "epoch 4, problem null");
            assertThat(a.router().status().problem()).isNull();
            assertThat(a.router().table().ring()).contains(newest);
        } finally {
            if (held.get() != null) {
                held.get().close();
            }
        }
    }

    /**
     * Holds {@code agent}'s ZooKeeper event thread until the returned handle is closed, so that no watch of its fires
     * meanwhile: the callback of a watch on a scratch znode waits there, and every event after it waits behind it.
     */
    private static AutoCloseable holdWatchEvents(Agent agent) throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        String scratch = agent.clusterPath().base() + "/test-hold-events";
        agent.curator()
                .checkExists()
                .usingWatcher((Watcher) event -> {
                    holding.countDown();
                    try {
                        release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .forPath(scratch);
        agent.curator().create().creatingParentsIfNeeded().forPath(scratch);
        if (!holding.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("the watch on " + scratch + " did not fire within " + WAIT);
        }
        return release::countDown;
    }

    @Test
    void routingListener_isToldOfTheNewRing_onTheThreadItSharesWithTheMembership() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        List<String> calls = new CopyOnWriteArrayList<>();
        a.router()
                .listenable()
                .addListener((previous, current) -> calls.add(previous.ringEpoch() + "->" + current.ringEpoch() + " on "
                        + Thread.currentThread().getName()));
        writeRing(a, rotatingRing(1, 16, List.of("a")));
        // Member view changes are told too (-1->-1 before, 1->1 after); the ring's arrival exactly once.
        await().atMost(WAIT).until(() -> calls.stream().anyMatch(c -> c.startsWith("-1->1 ")));
        assertThat(calls.stream().filter(c -> c.startsWith("-1->1 "))).hasSize(1);
        assertThat(calls).allMatch(c -> c.endsWith(" on ringleader-agent-a-membership"));
    }

    @Test
    void aRoutingListenerToldOfTheFirstRing_readsACurrentStatus() throws Exception {
        // The roles derive only from a router whose status is current; told of a ring before its status said so,
        // they derived nothing, and a member started while the ring existed could stay without its primary roles.
        Agent writer = fixture.start(fixture.member("b", 7002));
        writeRing(writer, rotatingRing(1, 16, List.of("a", "b")));
        Agent a = fixture.track(fixture.member("a", 7001).build());
        List<String> told = new CopyOnWriteArrayList<>();
        a.router()
                .listenable()
                .addListener((previous, current) -> told.add(
                        current.ringEpoch() + " current=" + a.router().status().current()));
        a.start();
        await().atMost(WAIT).until(() -> told.stream().anyMatch(t -> t.startsWith("1 ")));
        assertThat(told.stream().filter(t -> t.startsWith("1 "))).containsOnly("1 current=true");
        await().atMost(WAIT).until(() -> a.roles().current().primary().size() == 8);
    }

    @Test
    void theSameRingWrittenAgain_movesTheTableEpochToItsZxid() throws Exception {
        Agent a = startAServing(ONLY_A);
        writeRing(a, ONLY_A);
        long mzxid = a.curator().checkExists().forPath(a.clusterPath().ring()).getMzxid();
        await().atMost(WAIT).until(() -> a.router().table().ringZxid() == mzxid);
        assertThat(a.router().table().epoch()).isGreaterThanOrEqualTo(mzxid);
        assertThat(a.router().status().problem()).isNull();
    }

    @Test
    void aMembershipListener_readsATableThatAlreadyFollowsTheViewItIsTold() throws Exception {
        List<Agent> agents = startABC();
        Agent a = agents.get(0);
        writeRing(a, rotatingRing(1, 16, ABC));
        awaitEpoch(a, 1);
        awaitUp(a, "a", "b", "c");
        List<String> mismatches = new CopyOnWriteArrayList<>();
        List<String> seen = new CopyOnWriteArrayList<>();
        a.membershipListenable().addListener((previous, current) -> {
            Set<String> viewed = current.members().stream().map(Member::id).collect(Collectors.toSet());
            Set<String> tabled =
                    a.router().table().members().stream().map(Member::id).collect(Collectors.toSet());
            seen.add(viewed.toString());
            if (!viewed.equals(tabled)) {
                mismatches.add("view " + viewed + ", table " + tabled);
            }
        });

        agents.get(1).close();
        agents.get(2).close();
        await().atMost(WAIT).until(() -> seen.contains("[a]"));
        assertThat(mismatches).isEmpty();
    }

    @Test
    void aRouterOverAnotherMembership_followsItOnAThreadOfItsOwn_andStopsIt() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        writeRing(a, rotatingRing(1, 16, List.of("a", "b")));
        Membership observed = Membership.builder(a.curator(), a.clusterPath())
                .threadName("test-observer-membership")
                .build();
        Membership other = new Delegating(observed); // not the ZooKeeper membership: no thread to share
        Router router = Router.builder(a.curator(), a.clusterPath(), other)
                .threadName("test-own-router")
                .build();
        List<String> threads = new CopyOnWriteArrayList<>();
        router.listenable()
                .addListener((previous, current) ->
                        threads.add(Thread.currentThread().getName()));
        observed.start();
        router.start();
        try {
            await().atMost(WAIT)
                    .until(() -> router.table().ringEpoch() == 1
                            && router.table().upMembers().size() == 1);
            Agent b = fixture.start(fixture.member("b", 7002));
            await().atMost(WAIT).until(() -> router.table().upMembers().size() == 2);
            assertThat(router.route(keyWithPrimary(router.table().ring().orElseThrow(), "b"))
                            .id())
                    .isEqualTo("b");
            assertThat(threads).isNotEmpty().containsOnly("test-own-router");
            b.close();
            await().atMost(WAIT).until(() -> router.table().upMembers().size() == 1);
        } finally {
            router.close();
            observed.close();
        }
        await().atMost(WAIT).until(() -> !threadNames().contains("test-own-router"));
    }

    /** A {@link Membership} that is not the ZooKeeper one, as a service's own implementation would be. */
    private record Delegating(Membership inner) implements Membership {
        @Override
        public void start() {
            inner.start();
        }

        @Override
        public MemberView view() {
            return inner.view();
        }

        @Override
        public Listenable<MembershipListener> listenable() {
            return inner.listenable();
        }

        @Override
        public Optional<Member> self() {
            return inner.self();
        }

        @Override
        public RegistrationState registrationState() {
            return inner.registrationState();
        }

        @Override
        public void update(UnaryOperator<Member> change) {
            inner.update(change);
        }

        @Override
        public void awaitJoined(Duration timeout)
                throws InterruptedException, TimeoutException, MemberIdConflictException {
            inner.awaitJoined(timeout);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void picker_overAnAgentsRouter_followsTheMembers() throws Exception {
        List<Agent> agents = startABC();
        Agent observer = fixture.observer();
        awaitUp(observer, "a", "b", "c");
        Picker picker = observer.router().picker(PickStrategy.ROUND_ROBIN);
        List<String> cycle =
                List.of(picker.pick().id(), picker.pick().id(), picker.pick().id());
        assertThat(cycle).containsExactlyInAnyOrder("a", "b", "c");

        agents.get(1).close();
        awaitUp(observer, "a", "c");
        assertThat(List.of(
                        picker.pick().id(),
                        picker.pick().id(),
                        picker.pick().id(),
                        picker.pick().id()))
                .containsOnly("a", "c");
    }

    @Test
    void close_stopsTheRouterThread_andKeepsTheLastTableReadable() throws Exception {
        Agent a = startAServing(ONLY_A);
        awaitUp(a, "a");
        assertThat(threadNames()).contains("ringleader-agent-a-membership").doesNotContain("ringleader-agent-a-router");

        a.close();
        await().atMost(WAIT).until(() -> !threadNames().contains("ringleader-agent-a-membership"));
        assertThat(a.router().table().ringEpoch()).isEqualTo(1);
        a.router().close(); // idempotent
        assertThatThrownBy(() -> a.router().start()).isInstanceOf(IllegalStateException.class);
    }

    private static java.util.Set<String> threadNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).forEach(t -> names.add(t.getName()));
        return names;
    }
}

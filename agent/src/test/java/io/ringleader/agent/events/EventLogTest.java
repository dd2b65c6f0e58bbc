package io.ringleader.agent.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EventLogTest {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static TestingServer server;
    private static CuratorFramework client;

    private final ClusterPath path = ClusterPath.of("events-" + CLUSTERS.incrementAndGet());
    private final List<String> skipped = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
        client = CuratorFrameworkFactory.newClient(server.getConnectString(), 10_000, 5_000, new RetryOneTime(100));
        client.start();
        assertThat(client.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
    }

    @AfterAll
    static void stopServer() throws Exception {
        client.close();
        server.close();
    }

    private static Event left(String member, long at) {
        return Event.of(Event.MEMBER_LEFT, at, member, 7L, Map.of());
    }

    private static Event takeover(long seq, String member, int slots, long detected, long router, long primary) {
        Event e =
                TakeoverTimeline.report(member, 9, slots, List.of("kv-2"), List.of("kv-2"), detected, router, primary);
        return e.stored(seq);
    }

    @Test
    void appendedEvents_areReadBackInOrder_withTheirSequenceAndDetails() throws Exception {
        EventLog log = new EventLog(client, path, ZooDefs.Ids.OPEN_ACL_UNSAFE);
        Event ring =
                Event.of(Event.RING, 2, null, 0x1a2fL, Map.of("slotsMoved", 12, "reasons", Map.of("DEPARTED", 12)));
        List<Event> stored = log.append(List.of(left("kv-1", 1), ring));

        List<Event> read = new EventReader(client, path, skipped::add).latest(0);

        assertThat(read).hasSize(2);
        assertThat(read.get(0).sequence()).isEqualTo(stored.get(0).sequence());
        assertThat(read.get(1).sequence()).isGreaterThan(read.get(0).sequence());
        assertThat(read.get(0).type()).isEqualTo(Event.MEMBER_LEFT);
        assertThat(read.get(0).member()).isEqualTo("kv-1");
        assertThat(read.get(1).epoch()).isEqualTo(0x1a2fL);
        assertThat(read.get(1).number("slotsMoved", -1)).isEqualTo(12);
        assertThat(read.get(1).counts("reasons")).containsEntry("DEPARTED", 12L);
        assertThat(skipped).isEmpty();
    }

    @Test
    void latestN_isTheNewestN_oldestFirst_andAfterReadsOnlyNewerOnes() throws Exception {
        EventLog log = new EventLog(client, path, ZooDefs.Ids.OPEN_ACL_UNSAFE);
        for (int i = 0; i < 5; i++) {
            log.append(left("m" + i, i));
        }
        EventReader reader = new EventReader(client, path, skipped::add);

        List<Event> last2 = reader.latest(2);

        assertThat(last2).extracting(Event::member).containsExactly("m3", "m4");
        assertThat(reader.after(last2.get(0).sequence()))
                .extracting(Event::member)
                .containsExactly("m4");
        assertThat(reader.after(last2.get(1).sequence())).isEmpty();
        assertThatThrownBy(() -> reader.latest(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClusterWithoutEvents_readsEmpty() throws Exception {
        EventReader reader = new EventReader(client, path, skipped::add);
        assertThat(reader.latest(10)).isEmpty();
        assertThat(reader.awaitAfter(-1, Duration.ofMillis(50))).isEmpty();
    }

    @Test
    void theCap_trimsTheOldest_inBatches_keepingTheNewest() throws Exception {
        EventLog log = new EventLog(client, path, ZooDefs.Ids.OPEN_ACL_UNSAFE);
        log.publishCap(EventLog.MIN_CAP);
        int slack = EventLog.slack(EventLog.MIN_CAP);
        for (int i = 0; i < EventLog.MIN_CAP + slack; i++) {
            log.append(left("m" + i, i));
        }
        assertThat(client.getChildren().forPath(path.events())).hasSize(EventLog.MIN_CAP + slack);

        log.append(left("last", 99));

        List<Event> all = new EventReader(client, path, skipped::add).latest(0);
        assertThat(all).hasSize(EventLog.MIN_CAP);
        assertThat(all.get(all.size() - 1).member()).isEqualTo("last");
        assertThat(all.get(0).member()).isEqualTo("m" + (slack + 1));
    }

    @Test
    void theCap_isTheClustersOwn_storedInTheEventsZnode() throws Exception {
        EventLog log = new EventLog(client, path, ZooDefs.Ids.OPEN_ACL_UNSAFE);
        log.publishCap(500);
        log.publishCap(500);
        assertThat(EventLog.capOf(client.getData().forPath(path.events()))).isEqualTo(500);
        assertThat(EventLog.capOf(new byte[0])).isEqualTo(EventLog.DEFAULT_CAP);
        assertThat(EventLog.capOf("junk".getBytes(StandardCharsets.UTF_8))).isEqualTo(EventLog.DEFAULT_CAP);
        assertThatThrownBy(() -> log.publishCap(5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("events cap must be between 10 and 20000, was 5");
    }

    @Test
    void anEventOverItsBudget_isRefused_andNothingIsWritten() throws Exception {
        EventLog log = new EventLog(client, path, ZooDefs.Ids.OPEN_ACL_UNSAFE);
        Event big = Event.of(Event.RING, 1, null, null, Map.of("note", "x".repeat(EventCodec.MAX_BYTES)));

        assertThatThrownBy(() -> log.append(List.of(left("a", 1), big)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("over the budget of 4096 bytes");
        assertThat(client.checkExists().forPath(path.events())).isNull();
    }

    @Test
    void aMalformedEventZnode_isSkippedWithOneWarning() throws Exception {
        EventLog log = new EventLog(client, path, ZooDefs.Ids.OPEN_ACL_UNSAFE);
        log.append(left("a", 1));
        client.create().forPath(path.events() + "/e-0000000001", "{not json".getBytes(StandardCharsets.UTF_8));
        log.append(left("b", 2));
        EventReader reader = new EventReader(client, path, skipped::add);

        assertThat(reader.latest(0)).extracting(Event::member).containsExactly("a", "b");
        assertThat(reader.latest(0)).hasSize(2);

        assertThat(skipped).hasSize(1);
        assertThat(skipped.get(0)).startsWith("skipping event " + path.events() + "/e-0000000001: not JSON");
    }

    @Test
    void theCodec_rejectsAnUnknownFormat_andKeepsUnknownTypesAndFields() throws Exception {
        byte[] future = "{\"format\":2,\"type\":\"x\",\"at\":1}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> EventCodec.decode("/p", 1, future))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessage("/p: event record format 2 is not supported (this reader reads 1)");
        byte[] later =
                "{\"format\":1,\"type\":\"new-kind\",\"at\":5,\"extra\":[\"a\"]}".getBytes(StandardCharsets.UTF_8);
        Event e = EventCodec.decode("/p", 3, later);
        assertThat(e.type()).isEqualTo("new-kind");
        assertThat(e.strings("extra")).containsExactly("a");
        assertThat(e.member()).isNull();
        assertThat(e.epoch()).isNull();
        assertThatThrownBy(() -> Event.of("x", 1, null, null, Map.of("type", "y")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void awaitAfter_returnsAsSoonAsAnEventIsWritten() throws Exception {
        EventLog log = new EventLog(client, path, ZooDefs.Ids.OPEN_ACL_UNSAFE);
        Event first = log.append(left("a", 1));
        EventReader reader = new EventReader(client, path, skipped::add);

        CompletableFuture<List<Event>> waiting = new CompletableFuture<>();
        Thread waiter = new Thread(
                () -> {
                    try {
                        waiting.complete(reader.awaitAfter(first.sequence(), Duration.ofSeconds(20)));
                    } catch (Exception e) {
                        waiting.completeExceptionally(e);
                    }
                },
                "event-waiter");
        waiter.start();
        // Written only once the reader waits on its watch: the event must wake it, not be found by its first read.
        await().atMost(Duration.ofSeconds(10)).until(reader::waiting);
        log.append(left("b", 2));

        assertThat(waiting.get(10, TimeUnit.SECONDS)).extracting(Event::member).containsExactly("b");
        waiter.join(10_000);
    }

    @Test
    void takeoverEvents_ofOneEpoch_makeOneTimeline() {
        Event a = takeover(4, "kv-1", 10, 1_000_000, 1_000_300, 1_000_500);
        Event b = takeover(5, "kv-3", 6, 999_900, 1_000_800, 1_001_000);
        Event other = left("kv-2", 1);

        List<TakeoverTimeline> timelines = TakeoverTimeline.of(List.of(other, a, b));

        assertThat(timelines).hasSize(1);
        TakeoverTimeline t = timelines.get(0);
        assertThat(t.detectedAtMicros()).isEqualTo(999_900);
        assertThat(t.routersMicros()).isEqualTo(900);
        assertThat(t.newPrimaryMicros()).isEqualTo(1_100);
        assertThat(t.slots()).isEqualTo(16);
        assertThat(t.reporters()).containsExactly("kv-1", "kv-3");
        assertThat(t.previous()).containsExactly("kv-2");
        assertThat(t.firstSequence()).isEqualTo(4);
        assertThat(t.describe())
                .isEqualTo("epoch 0x9: 16 slots of [kv-2] to [kv-1, kv-3] (departed [kv-2]): detected +0 ms,"
                        + " routers updated +0.9 ms, new primary +1.1 ms");
    }
}

package io.ringleader.agent.layout;

import static io.ringleader.agent.routing.RoutingTableTest.rotatingRing;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.agent.Agent;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.ring.RingChunks;
import io.ringleader.agent.ring.RingCodec;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.Test;

class RingStoreTest extends ZooKeeperTestBase {

    @Test
    void aRingThatFitsOneChunk_isOneWholeRecord_andNothingIsWrittenForIt() throws Exception {
        Agent a = fixture.observer();
        Ring ring = rotatingRing(1, 16, List.of("a", "b"));
        RingStore.Prepared prepared = prepare(a, ring, 4096);
        assertThat(prepared.dir()).isNull();
        assertThat(prepared.record()).isEqualTo(RingCodec.encode(ring));
        assertThat(a.curator().checkExists().forPath(a.clusterPath().ringChunks()))
                .isNull();
        assertThat(RingStore.headerOf(a.clusterPath(), prepared.record())).isNull();
        assertThat(RingStore.read(a.curator(), a.clusterPath(), prepared.record()))
                .isEqualTo(ring);
    }

    @Test
    void aRingInChunks_readsBackThroughItsHeader() throws Exception {
        Agent a = fixture.observer();
        Ring ring = rotatingRing(9, 4096, List.of("a", "b", "c", "d"));
        RingStore.Prepared prepared = prepare(a, ring, 64);
        assertThat(prepared.dir()).startsWith("0000000000000009-");
        assertThat(RingStore.dirOf(prepared.record())).isEqualTo(prepared.dir());
        RingChunks.Header header = RingStore.headerOf(a.clusterPath(), prepared.record());
        assertThat(header.dir()).isEqualTo(prepared.dir());
        assertThat(header.epoch()).isEqualTo(9);
        assertThat(RingStore.read(a.curator(), a.clusterPath(), prepared.record(), header))
                .isEqualTo(ring);
        assertThat(RingStore.read(a.curator(), a.clusterPath(), prepared.record()))
                .isEqualTo(ring);

        // a write reported failed whose header the ring znode holds (applied, its reply lost): the chunks stay
        a.curator().create().creatingParentsIfNeeded().forPath(a.clusterPath().ring(), prepared.record());
        RingStore.discardUnlessCurrent(a.curator(), a.clusterPath(), prepared);
        assertThat(RingStore.read(a.curator(), a.clusterPath(), prepared.record()))
                .isEqualTo(ring);

        // a write that did not land: its chunks go
        RingStore.Prepared lost = prepare(a, rotatingRing(10, 4096, List.of("a", "b")), 64);
        RingStore.discardUnlessCurrent(a.curator(), a.clusterPath(), lost);
        assertThat(a.curator().getChildren().forPath(a.clusterPath().ringChunks()))
                .containsExactly(prepared.dir());
    }

    @Test
    void collect_deletesTheDirectoriesBelowTheWrittenEpoch_butThePreviousRings() throws Exception {
        Agent a = fixture.observer();
        CuratorFramework client = a.curator();
        String d1 = prepare(a, rotatingRing(1, 1024, List.of("a", "b")), 64).dir();
        String d2 = prepare(a, rotatingRing(2, 1024, List.of("a", "b")), 64).dir();
        String d3 = prepare(a, rotatingRing(3, 1024, List.of("a", "b")), 64).dir();
        String d4 = prepare(a, rotatingRing(4, 1024, List.of("a", "b")), 64).dir();
        // a later writer's chunks, written before its header
        String d5 = prepare(a, rotatingRing(5, 1024, List.of("a", "b")), 64).dir();

        // epoch 4 written over the ring of epoch 2
        assertThat(RingStore.collect(client, a.clusterPath(), 4, d2)).isEqualTo(2);
        assertThat(client.getChildren().forPath(a.clusterPath().ringChunks())).containsExactlyInAnyOrder(d2, d4, d5);
        assertThat(d1).isNotIn(d2, d4, d5);
        assertThat(d3).isNotIn(d2, d4, d5);

        // epoch 6, whole, written over the ring of epoch 5
        assertThat(RingStore.collect(client, a.clusterPath(), 6, d5)).isEqualTo(2);
        assertThat(client.getChildren().forPath(a.clusterPath().ringChunks())).containsExactly(d5);
        // epoch 7 over the whole ring of epoch 6
        assertThat(RingStore.collect(client, a.clusterPath(), 7, null)).isEqualTo(1);
        assertThat(client.getChildren().forPath(a.clusterPath().ringChunks())).isEmpty();
    }

    private static RingStore.Prepared prepare(Agent a, Ring ring, int chunkBytes) throws Exception {
        return RingStore.prepare(a.curator(), a.clusterPath(), ring, ZooDefs.Ids.OPEN_ACL_UNSAFE, chunkBytes);
    }
}

package io.ringleader.samples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorConfig;
import io.ringleader.samples.kv.client.KvHttpClient;
import io.ringleader.samples.kv.node.KvNode;
import io.ringleader.samples.kv.store.StoreOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three in-process KV nodes with R = 3 on a TestingServer: writes, reads, a graceful leave, a restart. */
class KvClusterTest {
    private static final int SLOTS = 64;
    private static final String CLUSTER = "kv-test";

    @TempDir
    Path dir;

    private TestingServer zk;
    private Coordinator coordinator;
    private Agent observer;
    private KvHttpClient client;
    private final Map<String, KvNode> nodes = new LinkedHashMap<>();

    @BeforeEach
    void startCluster() throws Exception {
        zk = new TestingServer(true);
        coordinator = Coordinator.create(CoordinatorConfig.defaults(zk.getConnectString(), CLUSTER)
                .withInsecure(true)
                .withId("coordinator-1")
                .withRing(SLOTS, 3)
                .withTimings(Duration.ofSeconds(30), Duration.ofMillis(50), Duration.ofSeconds(5)));
        coordinator.start();
        for (int i = 1; i <= 3; i++) {
            startNode("kv-" + i);
        }
        observer = Agent.builder()
                .insecure()
                .connectString(zk.getConnectString())
                .cluster(CLUSTER)
                .memberId("observer")
                .observer()
                .build();
        observer.start();
        observer.awaitJoined(Duration.ofSeconds(10));
        awaitAllUpAndRinged(3);
        client = KvHttpClient.over(observer, Duration.ofSeconds(2), Duration.ofSeconds(20));
    }

    @AfterEach
    void stopCluster() throws Exception {
        if (client != null) {
            client.close();
        }
        if (observer != null) {
            observer.close();
        }
        nodes.values().forEach(KvNode::close);
        if (coordinator != null) {
            coordinator.close();
        }
        if (zk != null) {
            zk.close();
        }
    }

    private KvNode startNode(String id) throws Exception {
        KvNode node = KvNode.builder()
                .agent(Agent.builder()
                        .insecure()
                        .connectString(zk.getConnectString())
                        .cluster(CLUSTER)
                        .memberId(id)
                        .sessionTimeout(Duration.ofSeconds(5)))
                .dataDir(dir.resolve(id))
                .slots(SLOTS)
                .storeOptions(new StoreOptions(50, true))
                .build();
        nodes.put(id, node);
        node.start();
        return node;
    }

    private void awaitAllUpAndRinged(int count) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> observer.members().members().stream()
                                        .filter(m -> m.state() == MemberState.UP)
                                        .count()
                                == count
                        && observer.router()
                                .table()
                                .ring()
                                .map(r -> r.members().size() == count)
                                .orElse(false)
                        && observer.router().table().slotsWithoutPrimary() == 0);
    }

    @Test
    void writesAreReadBack_andSurviveTheGracefulLeaveOfEveryPrimaryInTurn() throws Exception {
        Map<String, String> written = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            client.put("key-" + i, "value-" + i);
            written.put("key-" + i, "value-" + i);
        }
        client.delete("key-7");
        written.remove("key-7");
        assertThat(client.get("key-7")).isEmpty();
        assertEveryWriteReadable(written);

        // Each node in turn leaves (its slots' primaries move to their backups) and comes back.
        for (String id : List.copyOf(nodes.keySet())) {
            nodes.remove(id).close();
            for (int i = 0; i < 20; i++) {
                String key = "after-" + id + "-" + i;
                client.put(key, id);
                written.put(key, id);
            }
            assertEveryWriteReadable(written);
            startNode(id);
            awaitAllUpAndRinged(3);
            assertEveryWriteReadable(written);
        }
        assertThat(nodes.values()).allSatisfy(n -> assertThat(n.syncedSlots()).isEqualTo(SLOTS));

        // Each node serves its agent's meters; once roles settle, the primaries they count add up to the ring.
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            double primaries = 0;
            for (KvNode node : nodes.values()) {
                String body = http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                String line = body.lines()
                        .filter(l -> l.startsWith("ringleader_roles_primary_slots{"))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no primary slot gauge in " + body));
                primaries += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
            assertThat(primaries).isEqualTo(SLOTS);
        });
    }

    @Test
    void aRestartedNode_catchesUpBeforeTurningUp_andHoldsEveryWriteMadeWhileItWasAway() throws Exception {
        KvNode away = nodes.remove("kv-2");
        away.close();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            client.put("k" + i, "v" + i);
            keys.add("k" + i);
        }
        startNode("kv-2");
        awaitAllUpAndRinged(3);
        // With R = 3 every node holds every slot: stop the two others and kv-2 alone must serve every key.
        for (String other : List.of("kv-1", "kv-3")) {
            nodes.remove(other).close();
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> observer.router().table().slotsWithoutPrimary() == 0);
        for (int i = 0; i < 100; i++) {
            assertThat(client.get("k" + i)).as("k" + i).contains("v" + i);
        }
    }

    /**
     * A replica may hold a write that was never acknowledged: it accepted it from the primary, whose write another
     * replica then refused (as when an undrain takes a slot back from a primary that did not answer its handback
     * while a write was in flight; the drain benchmark found it). When that replica turns primary, a read may return
     * the value; the read must leave it on every replica, or the next primary, without it, reads an older value: not
     * linearizable.
     */
    @Test
    void aValueOnlyOneReplicaHeld_onceRead_isReadByTheNextPrimaryToo() throws Exception {
        handBackAfterReadingAWriteOnlyOneReplicaHeld("tentative");
    }

    /** The same with a delete: once a read found the key absent, the next primary finds it absent too. */
    @Test
    void aDeleteOnlyOneReplicaHeld_onceRead_isReadByTheNextPrimaryToo() throws Exception {
        handBackAfterReadingAWriteOnlyOneReplicaHeld(null);
    }

    /**
     * Only the primary's rank-1 replica accepts a newer write of a key ({@code value}, or a delete if null) that nobody
     * acknowledged; it turns primary (the primary drains) and a read returns that write; the primary takes the slot
     * back and a read must return the same.
     */
    private void handBackAfterReadingAWriteOnlyOneReplicaHeld(String value) throws Exception {
        String key = "k-handback";
        client.put(key, "acknowledged");
        RoutingTable table = observer.router().table();
        int slot = table.slotOf(key);
        List<String> replicas = table.replicas(slot).stream().map(Member::id).toList();
        String primary = replicas.get(0);
        String next = replicas.get(1);
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        long seq = json.readTree(call(http, primary, "GET", "/kv/" + key))
                .get("seq")
                .asLong();
        // the primary's role epoch now: the replica's fence admits no older one for the slot
        long epoch = json.readTree(call(http, primary, "GET", "/status"))
                .get("epoch")
                .asLong();

        // Only `next` accepts a newer write of the key from the primary; nobody acknowledged it.
        ObjectNode message =
                json.createObjectNode().put("slot", slot).put("epoch", epoch).put("from", primary);
        message.putArray("entries")
                .addObject()
                .put("key", key)
                .put("epoch", epoch)
                .put("seq", seq + 1_000_000)
                .put("value", value);
        call(http, next, "POST", "/internal/replicate", json.writeValueAsString(message));
        // `next` turns primary of the slot and a read returns its value.
        call(http, primary, "POST", "/admin/drain");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> next.equals(observer.router().table().primary(slot).id()));
        assertThat(client.get(key)).isEqualTo(Optional.ofNullable(value));
        // it stays a synced backup: it will not gather the slot again when it takes it back
        assertThat(nodes.get(primary).syncedSlots()).isEqualTo(SLOTS);
        // The primary takes the slot back: it must read the same, not the older value it held.
        call(http, primary, "POST", "/admin/undrain");
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        primary.equals(observer.router().table().primary(slot).id()));
        assertThat(client.get(key)).isEqualTo(Optional.ofNullable(value));
    }

    /**
     * Drains and undrains one node five times while eight clients write keys of its slots without pause: no write
     * fails or ends unknown, at the drain (the node finishes its requests in flight before it hands over) nor at the
     * undrain (the interim primaries finish theirs before the node takes its slots back), and every acknowledged
     * write is read back. Without the handback it failed in each of the two runs tried (writes ended unknown at
     * undrains).
     */
    @Test
    void drainAndUndrainUnderLoad_failNoWrite_andLoseNone() throws Exception {
        String node = "kv-1";
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < 16; i++) {
            if (node.equals(primaryOf("load-" + i))) {
                keys.add("load-" + i);
            }
        }
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        ExecutorService workers = Executors.newFixedThreadPool(8);
        HttpClient http = HttpClient.newHttpClient();
        try {
            for (int w = 0; w < 8; w++) {
                int worker = w;
                workers.execute(() -> {
                    for (int n = 0; running.get(); n++) {
                        // each key has one writer, so its last acknowledged value is the one to read back
                        String key = keys.get((worker + 8 * (n % 2)) % keys.size());
                        String value = worker + "-" + n;
                        try {
                            client.put(key, value);
                            acknowledged.put(key, value);
                            writes.incrementAndGet();
                        } catch (Exception e) {
                            failures.add(key + "=" + value + ": " + e);
                            acknowledged.remove(key); // its outcome is unknown: the read below cannot tell
                        }
                    }
                });
            }
            for (int round = 0; round < 5; round++) {
                long before = writes.get();
                await().atMost(Duration.ofSeconds(20)).until(() -> writes.get() > before + 50);
                call(http, node, "POST", "/admin/drain");
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> keys.stream().noneMatch(k -> node.equals(primaryOf(k))));
                long drained = writes.get();
                await().atMost(Duration.ofSeconds(20)).until(() -> writes.get() > drained + 50);
                call(http, node, "POST", "/admin/undrain");
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> keys.stream().allMatch(k -> node.equals(primaryOf(k))));
            }
            long back = writes.get();
            await().atMost(Duration.ofSeconds(20)).until(() -> writes.get() > back + 50);
        } finally {
            running.set(false);
            workers.shutdown();
            if (!workers.awaitTermination(60, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        }
        assertThat(workers.isTerminated()).as("writers stopped").isTrue();
        assertThat(failures).as("writes that failed or ended unknown").isEmpty();
        assertEveryWriteReadable(acknowledged);
    }

    private String primaryOf(String key) {
        RoutingTable table = observer.router().table();
        Member primary = table.primary(table.slotOf(key));
        return primary == null ? null : primary.id();
    }

    private String call(HttpClient http, String node, String method, String path) throws Exception {
        return call(http, node, method, path, null);
    }

    private String call(HttpClient http, String node, String method, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + nodes.get(node).port() + path))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(40))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("%s %s to %s: %s", method, path, node, response.body())
                .isEqualTo(200);
        return response.body();
    }

    private void assertEveryWriteReadable(Map<String, String> written) throws Exception {
        for (Map.Entry<String, String> e : written.entrySet()) {
            Optional<String> read = client.get(e.getKey());
            assertThat(read).as(e.getKey()).contains(e.getValue());
        }
    }
}

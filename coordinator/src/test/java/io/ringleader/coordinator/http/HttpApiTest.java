package io.ringleader.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ringleader.agent.Agent;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorConfig;
import io.ringleader.coordinator.CoordinatorFixture;
import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The coordinator's HTTP API against a real coordinator and real members, read with an HTTP client. */
class HttpApiTest {
    private static final Duration WAIT = CoordinatorFixture.WAIT;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static TestingServer zk;

    private final String cluster = "http-" + CLUSTERS.incrementAndGet();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private CoordinatorFixture fixture;

    /** An answer: its status and JSON body. */
    record Answer(int status, String type, JsonNode json) {}

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        zk.close();
    }

    @BeforeEach
    void newFixture() {
        fixture = new CoordinatorFixture(zk.getConnectString(), cluster);
    }

    @AfterEach
    void closeAll() throws Exception {
        fixture.close();
    }

    /** A started coordinator of this test's cluster (rebalance delay 0) and its started HTTP server on a free port. */
    private AdminHttpServer coordinatorWithHttp() throws Exception {
        CoordinatorConfig config = fixture.config("c1", Duration.ZERO);
        Coordinator coordinator = fixture.coordinator(config);
        AdminHttpServer server = serve(fixture, config, () -> CoordinatorHealth.of(coordinator, running.get()));
        await().atMost(WAIT).until(coordinator::isActive);
        return server;
    }

    /** A started HTTP server of the coordinator with {@code config} on a free loopback port, closed with the fixture. */
    static AdminHttpServer serve(
            CoordinatorFixture fixture, CoordinatorConfig config, Supplier<CoordinatorHealth> coordinator)
            throws IOException {
        AdminHttpServer server = fixture.track(AdminHttpServer.builder(config)
                .address(new HttpAddress("127.0.0.1", 0))
                .coordinator(coordinator)
                .build());
        server.start();
        return server;
    }

    private Answer get(AdminHttpServer server, String path) throws Exception {
        return send(server, HttpRequest.newBuilder(URI.create(server.url()).resolve(path)));
    }

    private Answer send(AdminHttpServer server, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response =
                http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        String type = response.headers().firstValue("Content-Type").orElse("");
        return new Answer(
                response.statusCode(),
                type,
                type.startsWith("application/json") ? JSON.readTree(response.body()) : null);
    }

    private static List<String> ids(JsonNode members) {
        List<String> ids = new ArrayList<>();
        members.forEach(m -> ids.add(m.get("id").asText()));
        return ids;
    }

    @Test
    void health_isUpWhileTheCoordinatorRunsAndIsConnected_503OnceItStops() throws Exception {
        AdminHttpServer server = coordinatorWithHttp();
        await().atMost(WAIT).until(() -> get(server, "/health").status() == 200);
        JsonNode up = get(server, "/health").json();
        assertThat(up.get("status").asText()).isEqualTo("UP");
        assertThat(up.get("coordinator").asText()).isEqualTo("c1");
        assertThat(up.get("active").asBoolean()).isTrue();
        assertThat(up.get("zookeeperConnected").asBoolean()).isTrue();
        assertThat(up.get("problem").isNull()).isTrue();

        running.set(false);
        Answer down = get(server, "/health");
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.json().get("status").asText()).isEqualTo("DOWN");
        assertThat(down.json().get("problem").asText()).isEqualTo("the coordinator is not running");
    }

    @Test
    void events_listTheCoordinatorsTermAndTheJoins_andTheLimitIsChecked() throws Exception {
        AdminHttpServer server = coordinatorWithHttp();
        fixture.member("kv-1");
        fixture.member("kv-2");
        await().atMost(WAIT).until(() -> {
            Answer a = get(server, "/api/events");
            if (a.status() != 200) {
                return false;
            }
            List<String> types = new ArrayList<>();
            a.json().get("events").forEach(e -> types.add(e.get("type").asText()));
            return types.stream().filter(t -> t.contains("join")).count() >= 2;
        });
        JsonNode events = get(server, "/api/events").json();
        assertThat(events.get("cluster").asText()).isEqualTo(cluster);
        assertThat(events.get("takeovers").isArray()).isTrue();
        long previous = -1;
        for (JsonNode e : events.get("events")) {
            assertThat(e.get("sequence").asLong()).as("oldest first").isGreaterThan(previous);
            previous = e.get("sequence").asLong();
        }
        assertThat(get(server, "/api/events?limit=1").json().get("events").size())
                .isEqualTo(1);

        Answer bad = get(server, "/api/events?limit=0");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).isEqualTo("limit must be between 1 and 1000, was 0");
    }

    @Test
    void ring_countsEachMembersSlots_andNamesThePrimaryOfEverySlot() throws Exception {
        AdminHttpServer server = coordinatorWithHttp();
        for (String id : List.of("kv-1", "kv-2", "kv-3")) {
            fixture.member(id);
        }
        await().atMost(WAIT).until(() -> {
            Answer a = get(server, "/api/ring");
            return a.status() == 200 && a.json().get("members").size() == 3;
        });
        JsonNode ring = get(server, "/api/ring").json();
        assertThat(ring.get("cluster").asText()).isEqualTo(cluster);
        assertThat(ring.get("slots").asInt()).isEqualTo(64);
        assertThat(ring.get("replication").asInt()).isEqualTo(2);
        assertThat(ring.get("epoch").asLong()).isPositive();
        assertThat(ring.get("slotsWithoutPrimary").asInt()).isZero();
        assertThat(ids(ring.get("members"))).containsExactlyInAnyOrder("kv-1", "kv-2", "kv-3");

        // Every slot's primary is one of the members, and the per-slot index agrees with each member's counts.
        JsonNode primaries = ring.get("primaries");
        assertThat(primaries.size()).isEqualTo(64);
        int[] counted = new int[3];
        primaries.forEach(p -> counted[p.asInt()]++);
        int primarySum = 0;
        int replicaSum = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode m = ring.get("members").get(i);
            assertThat(m.get("live").asBoolean()).isTrue();
            assertThat(m.get("weight").asInt()).isEqualTo(1);
            assertThat(m.get("serving").asInt()).isEqualTo(counted[i]);
            // All members are UP, so each serves exactly the slots it holds at rank 0.
            assertThat(m.get("primary").asInt()).isEqualTo(counted[i]);
            primarySum += m.get("primary").asInt();
            replicaSum += m.get("replicas").asInt();
        }
        assertThat(primarySum).isEqualTo(64);
        assertThat(replicaSum).isEqualTo(128);
        assertThat(ring.get("balance").get("primary").asDouble()).isBetween(1.0, 1.2);
        assertThat(ring.get("balance").get("replicas").asDouble()).isBetween(1.0, 1.2);
    }

    @Test
    void members_showStateZoneAndSlots_andAClosedMemberDisappears() throws Exception {
        AdminHttpServer server = coordinatorWithHttp();
        fixture.member("kv-1");
        Agent second = fixture.member("kv-2");
        await().atMost(WAIT).until(() -> {
            JsonNode ms = get(server, "/api/members").json().get("members");
            return ms.size() == 2 && ms.get(0).get("primarySlots").asInt() > 0;
        });
        JsonNode members = get(server, "/api/members").json().get("members");
        assertThat(ids(members)).containsExactly("kv-1", "kv-2");
        JsonNode kv1 = members.get(0);
        assertThat(kv1.get("state").asText()).isEqualTo("UP");
        assertThat(kv1.get("host").asText()).isEqualTo("127.0.0.1");
        assertThat(kv1.get("port").asInt()).isEqualTo(7000);
        assertThat(kv1.get("zone").isNull()).isTrue();
        assertThat(kv1.get("inRing").asBoolean()).isTrue();
        assertThat(members.get(0).get("primarySlots").asInt()
                        + members.get(1).get("primarySlots").asInt())
                .isEqualTo(64);
        assertThat(kv1.get("replicaEntries").asInt()).isEqualTo(64);

        second.close();
        await().atMost(WAIT).until(() -> ids(get(server, "/api/members").json().get("members"))
                .equals(List.of("kv-1")));
        JsonNode ring = get(server, "/api/ring").json();
        assertThat(ids(ring.get("members"))).containsExactly("kv-1");
        Set<Integer> primaries = new HashSet<>();
        ring.get("primaries").forEach(p -> primaries.add(p.asInt()));
        assertThat(primaries).containsExactly(0);
    }

    @Test
    void status_isWhatAdminStatusPrints_andNamesTheServingCoordinator() throws Exception {
        AdminHttpServer server = coordinatorWithHttp();
        fixture.member("kv-1");
        await().atMost(WAIT)
                .until(() -> !get(server, "/api/status").json().get("ring").isNull());
        JsonNode status = get(server, "/api/status").json();
        assertThat(status.get("cluster").asText()).isEqualTo(cluster);
        assertThat(status.get("root").asText()).isEqualTo("/ringleader");
        assertThat(status.get("coordinator").asText()).isEqualTo("c1");
        assertThat(status.get("ring").get("slots").asInt()).isEqualTo(64);
        assertThat(status.get("members").get("live").asInt()).isEqualTo(1);
        assertThat(status.get("members").get("byState").get("UP").get(0).asText())
                .isEqualTo("kv-1");
        assertThat(status.get("config").get("format").asInt()).isEqualTo(1);
        assertThat(status.get("servedBy").get("id").asText()).isEqualTo("c1");
        assertThat(status.get("servedBy").get("active").asBoolean()).isTrue();
    }

    @Test
    void withoutARing_theRingIs503WithTheReason() throws Exception {
        CoordinatorConfig config = fixture.config("c1", Duration.ZERO);
        AdminHttpServer server = serve(fixture, config, () -> new CoordinatorHealth("c1", false, false, false));
        await().atMost(WAIT).until(() -> get(server, "/api/ring").status() == 503);
        assertThat(get(server, "/api/ring").json().get("error").asText())
                .startsWith("cluster '" + cluster + "' has no ring yet");
        assertThat(get(server, "/api/members").json().get("members").size()).isZero();
        assertThat(get(server, "/health").status()).isEqualTo(503);
    }

    @Test
    void theDashboard_isOneHtmlPageAtTheRoot() throws Exception {
        AdminHttpServer server = coordinatorWithHttp();
        HttpResponse<String> page = http.send(
                HttpRequest.newBuilder(URI.create(server.url())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<svg id=\"ring\"", "fetch(path", "/api/ring", "/api/members");
    }

    @Test
    void unknownPaths_are404_andWrites405() throws Exception {
        AdminHttpServer server = coordinatorWithHttp();
        Answer missing = get(server, "/api/nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("error").asText()).isEqualTo("no such resource: /api/nope");
        Answer post = send(
                server,
                HttpRequest.newBuilder(URI.create(server.url()).resolve("/api/ring"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(post.status()).isEqualTo(405);
    }

    @Test
    void metrics_arePrometheusText_withLeadershipMembersRingAndReportedTakeovers() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CoordinatorConfig config = fixture.config("c1", Duration.ZERO);
        Coordinator coordinator = fixture.track(Coordinator.create(config, registry));
        coordinator.start();
        AdminHttpServer server = fixture.track(AdminHttpServer.builder(config)
                .address(new HttpAddress("127.0.0.1", 0))
                .coordinator(() -> CoordinatorHealth.of(coordinator, running.get()))
                .metrics(registry)
                .build());
        server.start();
        fixture.member("a");
        Agent b = fixture.member("b");
        fixture.member("c");
        await().atMost(WAIT).until(() -> coordinator
                .lastWritten()
                .map(r -> r.members().size() == 3)
                .orElse(false));

        await().atMost(WAIT).untilAsserted(() -> {
            String text = metrics(server);
            long epoch = coordinator.lastWritten().orElseThrow().epoch();
            assertThat(metric(text, "ringleader_coordinator_active", "coordinator=\"c1\""))
                    .isEqualTo(1);
            assertThat(metric(text, "ringleader_coordinator_terms_total", "coordinator=\"c1\""))
                    .isEqualTo(1);
            assertThat(metric(text, "ringleader_coordinator_ring_writes_total", "coordinator=\"c1\""))
                    .isEqualTo(coordinator.writes());
            assertThat(metric(text, "ringleader_members", "member=\"c1\"", "state=\"UP\""))
                    .isEqualTo(3);
            assertThat(metric(text, "ringleader_ring_epoch", "member=\"c1\"")).isEqualTo(epoch);
            assertThat(metric(text, "ringleader_ring_slots_without_primary", "member=\"c1\""))
                    .isZero();
            assertThat(metric(text, "ringleader_zk_connection", "member=\"c1\"", "state=\"connected\""))
                    .isEqualTo(1);
            assertThat(metric(text, "ringleader_cluster_takeover_duration_seconds_count", "cluster="))
                    .isZero();
        });

        // takeovers are timed from the feed's first read of the history on: under load that read can come late
        await().atMost(WAIT).until(coordinator::followsTakeovers);
        var ring = coordinator.lastWritten().orElseThrow();
        int bIndex = ring.indexOf("b");
        long bPrimaries = java.util.stream.IntStream.range(0, ring.slotCount())
                .filter(slot -> ring.replicaIndex(slot, 0) == bIndex)
                .count();
        b.close();

        // a and c take over b's primaries and report it; the coordinator times what they report.
        await().atMost(WAIT).untilAsserted(() -> {
            String text = metrics(server);
            assertThat(metric(text, "ringleader_members", "member=\"c1\"", "state=\"UP\""))
                    .isEqualTo(2);
            assertThat(metric(text, "ringleader_cluster_takeover_duration_seconds_count", "cluster="))
                    .isEqualTo(2);
            assertThat(metric(text, "ringleader_cluster_takeover_slots_total", "cluster="))
                    .as("every slot b was primary of")
                    .isEqualTo(bPrimaries);
        });

        Answer none = get(serve(fixture, config, () -> CoordinatorHealth.of(coordinator, true)), "/metrics");
        assertThat(none.status()).as("a server without a registry").isEqualTo(404);
    }

    /** The body of {@code /metrics}, checked to be Prometheus text. */
    private String metrics(AdminHttpServer server) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(server.url()).resolve("/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        return response.body();
    }

    /** The value of the one sample of {@code name} whose labels contain every one of {@code labels}. */
    private static double metric(String text, String name, String... labels) {
        List<Double> found = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            String labelText = line.substring(name.length(), line.lastIndexOf('}') + 1);
            if (List.of(labels).stream().allMatch(labelText::contains)) {
                found.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        assertThat(found).as("samples of %s with %s", name, List.of(labels)).hasSize(1);
        return found.get(0);
    }

    @Test
    void oneReadOfTheCluster_answersTheApiForHalfASecond_thenTheNextRequestReadsAgain() throws Exception {
        CoordinatorConfig config = fixture.config("c1", Duration.ZERO);
        Coordinator coordinator = fixture.coordinator(config);
        AtomicLong now = new AtomicLong();
        AdminHttpServer server = fixture.track(AdminHttpServer.builder(config)
                .address(new HttpAddress("127.0.0.1", 0))
                .coordinator(() -> CoordinatorHealth.of(coordinator, true))
                .ticker(now::get)
                .build());
        server.start();
        fixture.member("a");
        await().atMost(WAIT).until(() -> coordinator.members().contains("a"));

        assertThat(ids(get(server, "/api/members").json().get("members"))).containsExactly("a");
        fixture.member("b");
        await().atMost(WAIT).until(() -> coordinator.members().contains("b"));
        assertThat(get(server, "/api/status").status()).isEqualTo(200);
        assertThat(ids(get(server, "/api/members").json().get("members")))
                .as("the read made for the first request")
                .containsExactly("a");
        assertThat(server.reads()).isEqualTo(1);

        now.addAndGet(AdminHttpServer.READ_REUSE_NANOS);
        assertThat(ids(get(server, "/api/members").json().get("members"))).containsExactly("a", "b");
        assertThat(server.reads()).isEqualTo(2);
    }

    @Test
    void aTakenPort_failsToStart_withABindException() throws Exception {
        AdminHttpServer first = coordinatorWithHttp();
        CoordinatorConfig config = fixture.config("c2", Duration.ZERO);
        AdminHttpServer second = AdminHttpServer.builder(config)
                .address(new HttpAddress("127.0.0.1", first.address().getPort()))
                .coordinator(() -> new CoordinatorHealth("c2", true, true, false))
                .build();
        try {
            assertThatThrownBy(second::start).isInstanceOf(BindException.class);
        } finally {
            second.close();
        }
    }
}

package io.ringleader.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorConfig;
import io.ringleader.coordinator.CoordinatorFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/**
 * {@code /health} follows the ZooKeeper connection: 503 while ZooKeeper is down, 200 again once it is back; the API
 * answers 503 at once meanwhile, without trying a read.
 */
class HttpZooKeeperDownTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(AdminHttpServer server, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.url()).resolve(path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void health_is503WhileZooKeeperIsDown_and200OnceItIsBack() throws Exception {
        try (TestingServer zk = new TestingServer(true);
                CoordinatorFixture fixture = new CoordinatorFixture(zk.getConnectString(), "down")) {
            CoordinatorConfig config = fixture.config("c1", Duration.ZERO);
            Coordinator coordinator = fixture.coordinator(config);
            AdminHttpServer server = HttpApiTest.serve(fixture, config, () -> CoordinatorHealth.of(coordinator, true));
            await().atMost(CoordinatorFixture.WAIT)
                    .until(() -> get(server, "/health").statusCode() == 200);

            zk.stop();
            await().atMost(CoordinatorFixture.WAIT)
                    .until(() -> get(server, "/health").statusCode() == 503);
            HttpResponse<String> down = get(server, "/health");
            assertThat(new ObjectMapper().readTree(down.body()).get("problem").asText())
                    .isEqualTo("not connected to ZooKeeper");
            long reads = server.reads();
            HttpResponse<String> members = get(server, "/api/members");
            assertThat(members.statusCode()).isEqualTo(503);
            assertThat(new ObjectMapper().readTree(members.body()).get("error").asText())
                    .startsWith("not connected to ZooKeeper");
            HttpResponse<String> events = get(server, "/api/events");
            assertThat(events.statusCode()).isEqualTo(503);
            assertThat(new ObjectMapper().readTree(events.body()).get("error").asText())
                    .startsWith("not connected to ZooKeeper");
            assertThat(server.reads()).as("reads tried while disconnected").isEqualTo(reads);

            zk.restart();
            await().atMost(CoordinatorFixture.WAIT)
                    .until(() -> get(server, "/health").statusCode() == 200);
            await().atMost(CoordinatorFixture.WAIT)
                    .until(() -> get(server, "/api/members").statusCode() == 200);
            await().atMost(CoordinatorFixture.WAIT).until(coordinator::isActive);
        }
    }
}

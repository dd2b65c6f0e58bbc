package io.ringleader.coordinator.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ringleader coordinator} starts the HTTP server of {@code ringleader.http.address} / {@code --http}. */
class HttpCoordinatorCommandTest {
    private static TestingServer zk;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        zk.close();
    }

    private CommandLine cli(CoordinatorCommand command) {
        return CoordinatorCommandTest.cli(command, out, err);
    }

    @Test
    void theConfiguredAddress_servesHealthWhileTheCoordinatorRuns(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("coordinator.properties");
        Files.writeString(
                config,
                "ringleader.cluster=web\nringleader.ring.slots=64\nringleader.http.address=127.0.0.1:0\n"
                        + "ringleader.insecure=true\n");
        CoordinatorCommand command = new CoordinatorCommand();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli(command)
                .execute("coordinator", "--config", config.toString(), "--zk", zk.getConnectString(), "--id", "w1"));
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> command.running() != null && command.running().isActive());
            String url = command.httpServer().url();
            assertThat(url).startsWith("http://127.0.0.1:");
            assertThat(out.toString()).contains("HTTP API and dashboard on " + url);

            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> http.send(
                                            HttpRequest.newBuilder(URI.create(url + "health"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode()
                            == 200);
            HttpResponse<String> metrics = http.send(
                    HttpRequest.newBuilder(URI.create(url + "metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("ringleader_coordinator_active{cluster=\"web\",coordinator=\"w1\"} 1.0")
                    .contains("jvm_memory_used_bytes");
        } finally {
            command.requestStop();
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(command.httpServer()).isNull();
    }

    @Test
    void aTakenPort_exit1_withOneLineNamingTheAddressAndTheSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            int exit = cli(new CoordinatorCommand())
                    .execute(
                            "coordinator",
                            "--zk",
                            zk.getConnectString(),
                            "--cluster",
                            "taken",
                            "--http",
                            address,
                            "--insecure");
            assertThat(exit).isEqualTo(1);
            assertThat(err.toString().strip())
                    .doesNotContain("\n")
                    .startsWith("cannot serve HTTP on " + address + " (")
                    .endsWith("set ringleader.http.address (--http) to a free host:port, or to off");
        }
    }

    @Test
    void aBadAddress_exit2_namingTheSetting() {
        int exit = cli(new CoordinatorCommand())
                .execute(
                        "coordinator",
                        "--zk",
                        zk.getConnectString(),
                        "--cluster",
                        "bad",
                        "--http",
                        "8484",
                        "--insecure");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("ringleader.http.address must be host:port, [ipv6]:port or off, was '8484'");
    }
}

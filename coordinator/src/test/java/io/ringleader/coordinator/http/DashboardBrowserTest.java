package io.ringleader.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.coordinator.Coordinator;
import io.ringleader.coordinator.CoordinatorConfig;
import io.ringleader.coordinator.CoordinatorFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The dashboard end to end in a headless Chromium: the page loads, draws the ring and the members, and a member that
 * is killed while the page is open disappears from it within a few seconds, without a reload. Skipped where Chromium
 * is not installed ({@code apt-get install chromium}; {@code .ci/run} installs it).
 *
 * <p>With {@code -Ddashboard.screenshot=FILE} it also saves a PNG of the page with the demo cluster ({@code
 * docs/dashboard.png} is made so).
 */
class DashboardBrowserTest {

    /** The ids in the members table, in order. */
    private static final String MEMBER_ROWS =
            "[...document.querySelectorAll('#members tbody tr')].map(r => r.dataset.member).join(',')";

    /** The members the ring's arcs are coloured by, sorted. */
    private static final String RING_MEMBERS = "[...new Set([...document.querySelectorAll('#ring path.run')]"
            + ".map(p => p.dataset.member))].sort().join(',')";

    @Test
    void thePageDrawsTheRing_andAMemberThatLeavesDisappearsFromIt() throws Exception {
        Optional<Path> chromium = HeadlessChromium.executable();
        Assumptions.assumeTrue(
                chromium.isPresent(),
                "Chromium is not installed (apt-get install chromium, or set RINGLEADER_CHROMIUM):"
                        + " the dashboard's browser test is skipped");
        try (TestingServer zk = new TestingServer(true);
                CoordinatorFixture fixture = new CoordinatorFixture(zk.getConnectString(), "orders")) {
            CoordinatorConfig config = fixture.config("coord-1", Duration.ZERO).withRing(256, 2);
            Coordinator coordinator = fixture.coordinator(config);
            AdminHttpServer server = HttpApiTest.serve(fixture, config, () -> CoordinatorHealth.of(coordinator, true));
            List<Agent> members = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                Agent member = fixture.track(Agent.builder()
                        .insecure()
                        .connectString(zk.getConnectString())
                        .cluster("orders")
                        .memberId("kv-" + i)
                        .endpoint("127.0.0.1", 7000 + i)
                        .zone(i % 2 == 1 ? "zone-a" : "zone-b")
                        .build());
                member.start();
                member.awaitJoined(CoordinatorFixture.WAIT);
                members.add(member);
            }
            await().atMost(CoordinatorFixture.WAIT).until(() -> coordinator
                    .lastWritten()
                    .map(r -> r.members().size() == 4)
                    .orElse(false));

            try (HeadlessChromium page = HeadlessChromium.open(chromium.get(), server.url(), 1280, 820)) {
                await().atMost(CoordinatorFixture.WAIT)
                        .until(() -> page.evaluate(MEMBER_ROWS).asText().equals("kv-1,kv-2,kv-3,kv-4"));
                await().atMost(CoordinatorFixture.WAIT)
                        .until(() -> page.evaluate(RING_MEMBERS).asText().equals("kv-1,kv-2,kv-3,kv-4"));
                assertThat(page.evaluate("document.querySelector('#ring').dataset.slots")
                                .asText())
                        .isEqualTo("256");
                assertThat(page.evaluate("document.querySelector('#ring').dataset.slotsDrawn")
                                .asText())
                        .isEqualTo("256");
                assertThat(page.evaluate("document.querySelector('#members tr[data-member=kv-2] td:nth-child(4)')"
                                        + ".textContent")
                                .asText())
                        .isEqualTo("zone-b");
                assertThat(page.evaluate("document.querySelector('#error').hidden")
                                .asBoolean())
                        .isTrue();
                String screenshot = System.getProperty("dashboard.screenshot");
                if (screenshot != null && !screenshot.isBlank()) {
                    page.screenshot(Path.of(screenshot));
                }
                double updates =
                        page.evaluate("Number(document.body.dataset.updates)").asDouble();

                members.get(3).close();
                await().atMost(CoordinatorFixture.WAIT)
                        .until(() -> page.evaluate(MEMBER_ROWS).asText().equals("kv-1,kv-2,kv-3"));
                await().atMost(CoordinatorFixture.WAIT)
                        .until(() -> page.evaluate(RING_MEMBERS).asText().equals("kv-1,kv-2,kv-3"));
                assertThat(page.evaluate("document.querySelector('#ring').dataset.slotsDrawn")
                                .asText())
                        .isEqualTo("256");
                // The same page updated itself: it was never reloaded.
                assertThat(page.evaluate("Number(document.body.dataset.updates)")
                                .asDouble())
                        .isGreaterThan(updates);
            }
        }
    }
}

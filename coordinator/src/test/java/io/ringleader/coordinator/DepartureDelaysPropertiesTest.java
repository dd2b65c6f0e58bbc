package io.ringleader.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.assign.Assignment;
import io.ringleader.coordinator.assign.Participant;
import io.ringleader.coordinator.assign.Placement;
import io.ringleader.coordinator.assign.PlacementConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The rebalance delay over random sequences of departures, returns, passing time and operator rebalance requests,
 * placed as the coordinator places them ({@link DepartureDelays} and {@link Placement}): a departed member stays in
 * place exactly while its delay runs, nothing moves while only delays run or a member returns inside its delay, and a
 * member whose delay ended (or was waived) is out of the next ring. The test keeps its own record of departures to
 * compare with.
 */
class DepartureDelaysPropertiesTest {
    private static final int SEQUENCES = 200;
    private static final int STEPS = 30;

    @Test
    void delayHonoured_keptExactlyWhileItRuns_noMoveInside_outAfter() {
        int stillSteps = 0;
        int returnsInside = 0;
        int expired = 0;
        for (int seed = 0; seed < SEQUENCES; seed++) {
            Random random = new Random(seed);
            int n = 6 + random.nextInt(7);
            int zones = random.nextBoolean() ? 0 : 3 + random.nextInt(2);
            Map<String, Participant> pool = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                String id = "m" + i;
                pool.put(id, Participant.active(id, 100 + random.nextInt(301), zones == 0 ? null : "z" + (i % zones)));
            }
            PlacementConfig config = new PlacementConfig(64 << (2 * random.nextInt(3)), 1 + random.nextInt(3));
            Duration delay = Duration.ofSeconds(10 + random.nextInt(91));
            Instant now = Instant.ofEpochSecond(1_000_000);
            Set<String> inView = new TreeSet<>(pool.keySet());
            Map<String, Instant> leftAt = new HashMap<>(); // the test's own record: in the ring, out of the view since
            DepartureDelays delays = new DepartureDelays();
            Ring ring = Placement.assign(null, new ArrayList<>(pool.values()), config)
                    .ring();

            for (int step = 0; step < STEPS; step++) {
                String what = "seed " + seed + " step " + step;
                boolean waive = false;
                String returned = null;
                int op = random.nextInt(10);
                List<String> out = pool.keySet().stream()
                        .filter(id -> !inView.contains(id))
                        .toList();
                if (op < 3 && inView.size() > config.replication() + 1) {
                    String id = new ArrayList<>(inView).get(random.nextInt(inView.size()));
                    inView.remove(id);
                    delays.departed(id, now);
                    if (ring.members().contains(id)) {
                        leftAt.put(id, now);
                    }
                } else if (op < 5 && !out.isEmpty()) {
                    returned = out.get(random.nextInt(out.size()));
                    inView.add(returned);
                    delays.present(returned);
                } else if (op == 5) {
                    waive = true;
                } else {
                    now = now.plusMillis(random.nextInt((int) delay.toMillis() * 3 / 2));
                }

                DepartureDelays.Kept kept = delays.keep(ring.members(), id -> !inView.contains(id), now, delay, waive);

                // Kept: exactly the ring's members out of the view whose delay runs (none after a waiver).
                Set<String> expected = new TreeSet<>();
                Instant next = null;
                for (String id : ring.members()) {
                    if (inView.contains(id)) {
                        continue;
                    }
                    Instant end = leftAt.get(id).plus(delay);
                    if (!waive && end.isAfter(now)) {
                        expected.add(id);
                        next = next == null || end.isBefore(next) ? end : next;
                    }
                }
                assertThat(new TreeSet<>(kept.ids()))
                        .as("%s: kept in place", what)
                        .isEqualTo(expected);
                assertThat(kept.nextExpiry()).as("%s: next expiry", what).isEqualTo(next);

                List<Participant> participants = new ArrayList<>();
                inView.forEach(id -> participants.add(pool.get(id)));
                kept.ids().forEach(id -> participants.add(pool.get(id)));
                Assignment placed = Placement.assign(ring, participants, config);

                Set<String> before = new TreeSet<>(ring.members());
                Set<String> after = new TreeSet<>(inView);
                after.addAll(kept.ids());
                if (after.equals(before)) {
                    // Only delays ran (or a member came back inside one): nothing moves.
                    assertThat(placed.plan().moves())
                            .as("%s: moves while only delays run", what)
                            .isEmpty();
                    stillSteps++;
                    if (returned != null && before.contains(returned)) {
                        returnsInside++;
                    }
                }
                for (String id : before) {
                    if (!inView.contains(id) && !kept.ids().contains(id)) {
                        assertThat(placed.ring().members())
                                .as("%s: %s, its delay over", what, id)
                                .doesNotContain(id);
                        expired++;
                    }
                }
                ring = placed.ring();
                leftAt.keySet().retainAll(ring.members());
                leftAt.keySet().removeIf(inView::contains);
            }
        }
        // The sequences reach every case.
        assertThat(stillSteps).as("steps where only delays ran").isGreaterThan(500);
        assertThat(returnsInside).as("returns inside the delay").isGreaterThan(50);
        assertThat(expired).as("delays that ran out or were waived").isGreaterThan(100);
        System.out.printf(
                "delay: %d steps with only delays running (no move), %d returns inside the delay, %d members out after"
                        + " their delay%n",
                stillSteps, returnsInside, expired);
    }
}

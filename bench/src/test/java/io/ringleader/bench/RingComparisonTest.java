package io.ringleader.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ringleader.agent.membership.Member;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Smoke tests: every harness produces sane numbers on a small input, without running a benchmark. */
class RingComparisonTest {

    @Test
    void comparison_onSmallInput_reportsSaneBalanceAndMovement() {
        RingComparison.Report report = RingComparison.run(20, 20_000, 1);

        assertThat(report.balance()).hasSize(RingComparison.contenders().size() + 1);
        for (RingComparison.Balance b : report.balance()) {
            assertThat(b.sampled()).as(b.contender()).isBetween(1.0, 2.0);
            if (!Double.isNaN(b.exact())) {
                assertThat(b.exact()).as(b.contender()).isBetween(1.0, 2.0);
            }
        }
        assertThat(report.balance().get(0).exact())
                .as("Placement balances rank 0 to one slot")
                .isLessThanOrEqualTo((double) ((Fixtures.SLOTS + 19) / 20) / (Fixtures.SLOTS / 20.0));

        assertThat(report.movement()).hasSize(RingComparison.contenders().size() * 3);
        for (RingComparison.Movement m : report.movement()) {
            String what = m.contender() + " " + m.change();
            assertThat(m.overOptimal()).as(what).isBetween(0.5, 3.0);
            if (m.exact()) {
                // the sample agrees with the exact figure
                assertThat(m.sampledMoved()).as(what).isCloseTo(m.exactMoved(), within(0.01));
            }
            if (m.contender().startsWith("TreeMap") || m.contender().startsWith("allgood")) {
                assertThat(m.exactSurvivors()).as(what).isZero();
                assertThat(m.overChangedMember()).as(what).isCloseTo(1.0, within(1e-9));
            }
        }
        assertThat(report.toMarkdown()).contains("| Guava consistentHash").contains("| Ringleader");
    }

    @Test
    void routeBenchmark_everyContenderRoutesToAMember() {
        RouteBenchmark bench = new RouteBenchmark();
        bench.members = 10;
        bench.setUp();
        Set<Member> members = Set.of(bench.memberArray);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            assertThat(members).contains(bench.ringleader(), bench.guavaJump(), bench.hash4jJumpBack());
            assertThat(members).contains(bench.treeMapRing());
            ids.add(bench.allgood().getKey());
            assertThat(bench.keyHash()).isNotZero();
            assertThat(bench.baseline()).hasSize(Keys.LENGTH);
        }
        assertThat(ids).isNotEmpty().allMatch(id -> id.startsWith("m-"));
    }
}

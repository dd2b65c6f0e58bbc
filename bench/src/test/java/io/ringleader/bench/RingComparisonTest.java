package io.ringleader.bench;

import static org.assertj.core.api.Assertions.assertThat;

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
            assertThat(b.sampledMaxOverMean()).as(b.contender()).isBetween(1.0, 2.0);
            if (!Double.isNaN(b.exactMaxOverMean())) {
                assertThat(b.exactMaxOverMean()).as(b.contender()).isBetween(1.0, 2.0);
            }
        }
        assertThat(report.balance().get(0).exactMaxOverMean())
                .as("a ring balanced up to one slot")
                .isLessThanOrEqualTo((double) ((Fixtures.SLOTS + 19) / 20) / (Fixtures.SLOTS / 20.0));

        for (RingComparison.Movement m : report.movement()) {
            if (m.note() != null) {
                continue;
            }
            assertThat(m.overOptimal()).as(m.contender() + " " + m.change()).isBetween(0.5, 3.0);
            boolean numberedBuckets =
                    m.contender().startsWith("Guava") || m.contender().startsWith("hash4j");
            // a numbered-bucket scheme re-numbers one survivor when any but the last member leaves
            if (!numberedBuckets || m.change().contains("(last)") || m.change().contains("join")) {
                assertThat(m.survivorToSurvivor())
                        .as(m.contender() + " " + m.change())
                        .isZero();
                assertThat(m.overChangedMember())
                        .as(m.contender() + " " + m.change())
                        .isEqualTo(1.0);
            }
        }
        assertThat(report.toMarkdown()).contains("| Guava consistentHash");
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

package io.ringleader.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringleader.coordinator.zk.EmbeddedZooKeeper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Smoke test: a few graceful trials produce one sample per trial and a table; no timing is asserted. */
class TakeoverBenchmarkTest {

    @Test
    void percentiles_areNearestRank() {
        List<Double> values = List.of(5.0, 1.0, 4.0, 2.0, 3.0);
        assertThat(TakeoverBenchmark.Stats.percentile(values, 50)).isEqualTo(3.0);
        assertThat(TakeoverBenchmark.Stats.percentile(values, 99)).isEqualTo(5.0);
        assertThat(TakeoverBenchmark.Stats.percentile(values, 100)).isEqualTo(5.0);
        assertThat(TakeoverBenchmark.Stats.percentile(values, 0)).isEqualTo(1.0);
        assertThat(TakeoverBenchmark.Stats.percentile(List.of(), 50)).isNaN();
    }

    @Test
    void claimLog_flagsTwoPrimariesAtOneEpoch_andASuccessorNotAboveTheKilledPrimarysNewestEpoch() {
        TakeoverBenchmark.ClaimLog log = new TakeoverBenchmark.ClaimLog();
        int mark = log.mark();
        log.add("b", 0x10); // b alone, before p joined
        log.add("p", 0x20);
        int killed = log.mark();
        log.add("b", 0x30);
        assertThat(log.violation(mark, killed, "p"))
                .as("one primary per epoch, successor above")
                .isNull();

        log.add("c1", 0x30);
        assertThat(log.violation(mark, killed, "p")).contains("epoch 0x30 has primaries [b, c1]");

        int next = log.mark();
        log.add("p", 0x40);
        int nextKilled = log.mark();
        log.add("b", 0x40);
        assertThat(log.violation(next, nextKilled, "p"))
                .contains("epoch 0x40 has primaries [b, p]")
                .contains("b primary at epoch 0x40, not above the killed p's 0x40");

        // p was primary again at a newer ring (0x60) before it died: a successor at 0x55 is not above it
        int third = log.mark();
        log.add("p", 0x50);
        log.add("p", 0x60);
        int thirdKilled = log.mark();
        log.add("b", 0x55);
        assertThat(log.violation(third, thirdKilled, "p"))
                .contains("b primary at epoch 0x55, not above the killed p's 0x60");
    }

    @Test
    void gracefulTrials_onEmbeddedZooKeeper_yieldOneSamplePerTrial() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder()
                .port(0)
                .tickTime(TakeoverBenchmark.TICK)
                .start()) {
            TakeoverBenchmark.Report report =
                    TakeoverBenchmark.run(zk.connectString(), new TakeoverBenchmark.Config(3, 0, List.of(), 1, 2));

            assertThat(report.series()).hasSize(2);
            for (TakeoverBenchmark.Series s : report.series()) {
                assertThat(s.ms()).as(s.contender()).hasSize(3).allMatch(v -> v > 0);
            }
            assertThat(report.toMarkdown()).contains("| Ringleader").contains("| Curator LeaderLatch");
        }
    }

    @Test
    void gracefulTrials_onZooKeeperInAChildJvm_yieldOneSamplePerTrial_andTheChildIsGoneAfter() throws Exception {
        ProcessHandle child;
        java.nio.file.Path dir;
        try (ZooKeeperProcess zk = ZooKeeperProcess.start(TakeoverBenchmark.TICK)) {
            child = ProcessHandle.of(zk.pid()).orElseThrow();
            dir = zk.dir();
            TakeoverBenchmark.Report report =
                    TakeoverBenchmark.run(zk.connectString(), new TakeoverBenchmark.Config(2, 0, List.of(), 1, 2));
            for (TakeoverBenchmark.Series s : report.series()) {
                assertThat(s.ms()).as(s.contender()).hasSize(2).allMatch(v -> v > 0);
            }
        }
        assertThat(child.isAlive()).isFalse();
        assertThat(dir).doesNotExist();
    }
}

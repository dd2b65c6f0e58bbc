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
    void gracefulTrials_onEmbeddedZooKeeper_yieldOneSamplePerTrial() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder()
                .port(0)
                .tickTime(TakeoverBenchmark.TICK)
                .start()) {
            TakeoverBenchmark.Report report =
                    TakeoverBenchmark.run(zk.connectString(), new TakeoverBenchmark.Config(3, 0, List.of(), 1));

            assertThat(report.series()).hasSize(2);
            for (TakeoverBenchmark.Series s : report.series()) {
                assertThat(s.ms()).as(s.contender()).hasSize(3).allMatch(v -> v > 0);
            }
            assertThat(report.toMarkdown()).contains("| Ringleader").contains("| Curator LeaderLatch");
        }
    }
}

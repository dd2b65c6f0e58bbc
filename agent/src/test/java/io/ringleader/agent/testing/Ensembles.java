package io.ringleader.agent.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;

/** Helpers for tests over a {@code TestingCluster}. */
public final class Ensembles {
    private Ensembles() {}

    /** Waits until a restarted server has rejoined the quorum, so that the next kill leaves a quorum standing. */
    public static void awaitServing(InstanceSpec spec) throws Exception {
        try (CuratorFramework direct =
                CuratorFrameworkFactory.newClient(spec.getConnectString(), 10_000, 3_000, new RetryOneTime(200))) {
            direct.start();
            assertThat(direct.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> direct.checkExists().forPath("/") != null);
        }
    }
}

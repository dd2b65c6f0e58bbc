package io.ringleader.coordinator;

import io.ringleader.agent.Agent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Coordinators and members of one cluster on one ZooKeeper, for tests; {@link #close()} closes them, newest first. */
public final class CoordinatorFixture implements AutoCloseable {
    /** How long tests wait for a condition. */
    public static final Duration WAIT = Duration.ofSeconds(30);

    private final String connectString;
    private final String cluster;
    private final List<AutoCloseable> started = new ArrayList<>();

    public CoordinatorFixture(String connectString, String cluster) {
        this.connectString = connectString;
        this.cluster = cluster;
    }

    /**
     * Settings of a coordinator of this cluster: a ring of 64 slots and 2 replicas, a debounce of 20 ms, insecure (no
     * authentication).
     */
    public CoordinatorConfig config(String id, Duration rebalanceDelay) {
        return CoordinatorConfig.defaults(connectString, cluster)
                .withInsecure(true)
                .withId(id)
                .withRing(64, 2)
                .withTimings(rebalanceDelay, Duration.ofMillis(20), Duration.ofSeconds(10));
    }

    /** A started coordinator with these settings. */
    public Coordinator coordinator(CoordinatorConfig config) {
        Coordinator c = track(Coordinator.create(config));
        c.start();
        return c;
    }

    /** A started coordinator with {@link #config}. */
    public Coordinator coordinator(String id, Duration rebalanceDelay) {
        return coordinator(config(id, rebalanceDelay));
    }

    /** A member that has joined, at 127.0.0.1:7000, insecure (no authentication). */
    public Agent member(String id) throws Exception {
        Agent agent = track(Agent.builder()
                .insecure()
                .connectString(connectString)
                .cluster(cluster)
                .memberId(id)
                .endpoint("127.0.0.1", 7000)
                .build());
        agent.start();
        agent.awaitJoined(WAIT);
        return agent;
    }

    /** Closes {@code closeable} with the rest. */
    public <T extends AutoCloseable> T track(T closeable) {
        started.add(closeable);
        return closeable;
    }

    @Override
    public void close() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }
}

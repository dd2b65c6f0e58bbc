package io.ringleader.agent.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** Starts agents for one test and closes them all; checks that no agent thread outlives the test. */
public final class AgentFixture implements AutoCloseable {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();

    private final String connectString;
    private final String cluster;
    private final List<Agent> agents = new ArrayList<>();
    private final Set<Long> threadsBefore = liveThreads().keySet();

    public AgentFixture(String connectString) {
        this.connectString = connectString;
        this.cluster = "test-" + CLUSTERS.incrementAndGet() + "-"
                + ProcessHandle.current().pid();
    }

    public String cluster() {
        return cluster;
    }

    public String connectString() {
        return connectString;
    }

    /** A builder for a member of this fixture's cluster, with short timeouts, insecure (no authentication). */
    public Agent.Builder member(String id, int port) {
        return Agent.builder()
                .insecure()
                .connectString(connectString)
                .cluster(cluster)
                .memberId(id)
                .endpoint("127.0.0.1", port)
                .sessionTimeout(Duration.ofSeconds(10))
                .connectionTimeout(Duration.ofSeconds(3));
    }

    /** Builds, starts and remembers an agent, and waits until it joined. */
    public Agent start(Agent.Builder builder) throws Exception {
        Agent agent = track(builder.build());
        agent.start();
        agent.awaitJoined(Duration.ofSeconds(20));
        return agent;
    }

    /** Remembers an agent so that {@link #close()} closes it. */
    public Agent track(Agent agent) {
        agents.add(agent);
        return agent;
    }

    /** An observer of this fixture's cluster, started and loaded, insecure (no authentication). */
    public Agent observer() throws Exception {
        return start(Agent.builder()
                .insecure()
                .connectString(connectString)
                .cluster(cluster)
                .observer()
                .sessionTimeout(Duration.ofSeconds(10))
                .connectionTimeout(Duration.ofSeconds(3)));
    }

    @Override
    public void close() {
        agents.forEach(Agent::close);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(leakedThreads())
                .as("agent, Curator and ZooKeeper client threads left running")
                .isEmpty());
    }

    /** Agent, Curator and ZooKeeper client threads started since this fixture was made and still alive. */
    public List<String> leakedThreads() {
        return liveThreads().entrySet().stream()
                .filter(e -> !threadsBefore.contains(e.getKey()))
                .map(Map.Entry::getValue)
                .filter(n -> n.startsWith("ringleader-")
                        || n.startsWith("Curator-")
                        || n.contains("-SendThread(")
                        || n.endsWith("-EventThread"))
                .toList();
    }

    private static Map<Long, String> liveThreads() {
        Map<Long, String> threads = new HashMap<>();
        Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .forEach(t -> threads.put(t.getId(), t.getName()));
        return threads;
    }
}

package io.ringleader.agent.leadership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringleader.agent.Agent;
import io.ringleader.agent.testing.ZooKeeperTestBase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeadershipTest extends ZooKeeperTestBase {
    private final TermLog log = new TermLog();

    @AfterEach
    void closeAgents() {
        fixture.close();
        // Listener threads cannot fail a test: the log collects what they saw, and is checked here.
        assertThat(log.violations())
                .as("one holder at a time, epochs never going back")
                .isEmpty();
    }

    /** Records term starts and ends in the order listeners saw them, and checks there is one holder at a time. */
    static final class TermLog {
        private final List<String> events = new ArrayList<>();
        private final List<Term> started = new ArrayList<>();
        private Term holding;

        private final List<String> violations = new ArrayList<>();
        private final java.util.Set<Term> ended = new java.util.HashSet<>();

        synchronized void started(Term term) {
            // Two participants may both believe they lead for a moment (a deposed one learns it late), but never
            // under the same epoch: the newer term's epoch is larger, and fencing rejects the older one's writes.
            if (holding != null && term.epoch() <= holding.epoch()) {
                violations.add(term + " started while " + holding + " held a term with an epoch as large");
            }
            if (!started.isEmpty()
                    && term.epoch() < started.get(started.size() - 1).epoch()) {
                violations.add(term + " has a smaller epoch than the earlier " + started.get(started.size() - 1));
            }
            holding = term;
            started.add(term);
            events.add("start " + term);
        }

        synchronized void ended(Term term, String reason) {
            if (term.equals(holding)) {
                holding = null;
            } else if (!ended.add(term)) {
                violations.add(term + " ended twice");
            }
            events.add("end " + term + " (" + reason + ")");
        }

        synchronized List<String> violations() {
            return List.copyOf(violations);
        }

        synchronized List<Term> started() {
            return List.copyOf(started);
        }

        synchronized List<String> events() {
            return List.copyOf(events);
        }

        LeadershipListener listener() {
            return new LeadershipListener() {
                @Override
                public void termStarted(Term term) {
                    started(term);
                }

                @Override
                public void termEnded(Term term, String reason) {
                    ended(term, reason);
                }
            };
        }
    }

    private Leadership join(Agent agent) {
        Leadership leadership = agent.leadership("nightly");
        leadership.listenable().addListener(log.listener());
        leadership.start();
        return leadership;
    }

    private static Optional<Leadership> leader(List<Leadership> all) {
        List<Leadership> leaders = all.stream().filter(Leadership::isLeader).toList();
        assertThat(leaders).as("participants that lead at once").hasSizeLessThanOrEqualTo(1);
        return leaders.stream().findFirst();
    }

    @Test
    void oneLeaderAtATime_andEachLaterTermHasALargerEpoch() throws Exception {
        List<Leadership> all = new ArrayList<>();
        for (String id : List.of("a", "b", "c")) {
            all.add(join(fixture.start(fixture.member(id, 7000))));
        }
        Agent bystander = fixture.observer();
        List<Long> epochs = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            Leadership current = await().atMost(WAIT)
                    .until(() -> leader(all), Optional::isPresent)
                    .orElseThrow();
            epochs.add(current.term().orElseThrow().epoch());
            assertThat(Leadership.leaderOf(bystander.curator(), current.electionPath()))
                    .as("the leader as a bystander reads it")
                    .contains(current.participantId());
            current.close();
            assertThat(current.isLeader()).isFalse();
            all.remove(current);
        }
        assertThat(epochs).isSorted().doesNotHaveDuplicates();
        assertThat(log.events()).hasSize(6);
    }

    @Test
    void sessionExpiry_endsTheTermAtOnce_andAnotherTakesOverWithALargerEpoch() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Agent b = fixture.start(fixture.member("b", 7002));
        Leadership la = join(a);
        Term first = la.awaitTerm(WAIT).orElseThrow();
        Leadership lb = join(b);

        KillSession.kill(a.curator().getZookeeperClient().getZooKeeper());

        await().atMost(WAIT).until(() -> !la.isLeader());
        Term second = lb.awaitTerm(WAIT).orElseThrow();
        assertThat(second.holderId()).isEqualTo("b");
        assertThat(second.epoch()).isGreaterThan(first.epoch());
        // a rejoins with a new latch znode and waits behind b.
        await().atMost(WAIT)
                .until(() ->
                        a.curator().getChildren().forPath(la.electionPath()).size() == 2);
        assertThat(la.isLeader()).isFalse();

        lb.close();
        Term third = la.awaitTerm(WAIT).orElseThrow();
        assertThat(third.epoch()).isGreaterThan(second.epoch());
    }

    @Test
    void aDeposedLeadersFencedWrite_isRejectedByZooKeeper() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Agent b = fixture.start(fixture.member("b", 7002));
        Leadership la = join(a);
        Term stale = la.awaitTerm(WAIT).orElseThrow();
        Leadership lb = join(b);
        String guarded = a.clusterPath().base() + "/guarded";
        a.curator().create().forPath(guarded, bytes("a@" + stale.epoch()));
        assertThat(fencedWrite(a.curator(), stale, guarded, "a again")).isTrue();

        KillSession.kill(a.curator().getZookeeperClient().getZooKeeper());
        lb.awaitTerm(WAIT).orElseThrow();

        // a's client reconnects under a new session, but its old term is over: the check on its latch znode fails.
        await().atMost(WAIT).until(() -> a.curator().getZookeeperClient().isConnected());
        assertThat(fencedWrite(a.curator(), stale, guarded, "late write from a"))
                .isFalse();
        assertThat(new String(a.curator().getData().forPath(guarded), StandardCharsets.UTF_8))
                .isEqualTo("a again");
    }

    @Test
    void suspension_endsTheTerm_andReconnectingWithinTheSessionResumesTheSameEpoch() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        Leadership la = join(a);
        Term before = la.awaitTerm(WAIT).orElseThrow();

        server.stop();
        try {
            // the listener hears the end on the leadership thread, just after the flag turns: wait for the listener
            await().atMost(WAIT)
                    .untilAsserted(
                            () -> assertThat(log.events()).last().asString().startsWith("end " + before));
            assertThat(la.isLeader()).isFalse();
        } finally {
            server.restart();
        }

        Term after = la.awaitTerm(WAIT).orElseThrow();
        assertThat(after.epoch()).isEqualTo(before.epoch());
        assertThat(after.latchPath()).isEqualTo(before.latchPath());
    }

    @Test
    void badElectionNames_areRefused() throws Exception {
        Agent a = fixture.start(fixture.member("a", 7001));
        assertThatThrownBy(() -> a.leadership("a/b")).hasMessageContaining("election name must be");
    }

    private static boolean fencedWrite(CuratorFramework client, Term term, String path, String value) throws Exception {
        try {
            client.transaction()
                    .forOperations(
                            client.transactionOp().check().forPath(term.latchPath()),
                            client.transactionOp().setData().forPath(path, bytes(value)));
            return true;
        } catch (KeeperException.NoNodeException e) {
            return false;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

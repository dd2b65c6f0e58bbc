package io.ringleader.agent.leadership;

import java.io.Closeable;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.listen.Listenable;

/**
 * A named election in which at most one participant leads at a time, each term carrying a fencing epoch.
 *
 * <p>Built on Curator's {@code LeaderLatch}. A leader steps down as soon as its connection is SUSPENDED, before
 * its session can expire, because another participant may be elected once it does. After RECONNECTED it leads
 * again only if its latch znode is still the oldest, under the same epoch, since nobody else could have led in
 * between. A participant that lost its session rejoins with a new latch znode, and so with a later epoch.
 *
 * <p>IMPORTANT: being told {@link LeadershipListener#termStarted} is not proof of leadership at the moment of an
 * action; a pause can outlast the session. Pass {@link Term#epoch()} along with every protected action, or put
 * {@link Term#latchPath()} in the same ZooKeeper transaction as a {@code check}, so that a deposed leader's late
 * action is refused.
 */
public interface Leadership extends Closeable {

    /**
     * A builder for an election at {@code electionPath} over an existing, started client that the leadership does
     * not close.
     */
    static Builder builder(CuratorFramework client, String electionPath, String participantId) {
        return new Builder(client, electionPath, participantId);
    }

    /**
     * Joins the election.
     *
     * @throws IllegalStateException if already started or closed
     */
    void start();

    /** The election's znode path. */
    String electionPath();

    /** This participant's id. */
    String participantId();

    /** The current term if this participant leads now. */
    Optional<Term> term();

    /** Whether this participant leads now. */
    default boolean isLeader() {
        return term().isPresent();
    }

    /**
     * Waits until this participant leads.
     *
     * @return the term, or empty if the timeout passed first
     */
    Optional<Term> awaitTerm(Duration timeout) throws InterruptedException;

    /** Where to add term listeners. */
    Listenable<LeadershipListener> listenable();

    /** Leaves the election (ending a term if one is held). Idempotent. */
    @Override
    void close();

    /**
     * The participant id of the current leader of the election at {@code electionPath}, as any client can read it
     * (the participant whose latch node has the lowest sequence number), without taking part.
     *
     * <p>IMPORTANT: the answer is as fresh as the server read; the leader may change right after.
     *
     * @return empty if nobody takes part
     * @throws Exception if ZooKeeper cannot be read
     */
    static Optional<String> leaderOf(CuratorFramework client, String electionPath) throws Exception {
        return LatchLeadership.leaderOf(client, electionPath);
    }

    /** Builds a {@link Leadership}. */
    final class Builder {
        private final CuratorFramework client;
        private final String electionPath;
        private final String participantId;
        private String threadName;

        private Builder(CuratorFramework client, String electionPath, String participantId) {
            this.client = Objects.requireNonNull(client, "client");
            this.electionPath = Objects.requireNonNull(electionPath, "electionPath");
            this.participantId = Objects.requireNonNull(participantId, "participantId");
            if (!electionPath.startsWith("/") || electionPath.endsWith("/")) {
                throw new IllegalArgumentException(
                        "electionPath must be an absolute ZooKeeper path, was '" + electionPath + "'");
            }
            if (participantId.isBlank()) {
                throw new IllegalArgumentException("participantId must not be blank");
            }
        }

        /** The name of the leadership's thread (default {@code ringleader-leadership-<participant>}). */
        public Builder threadName(String name) {
            this.threadName = Objects.requireNonNull(name, "threadName");
            return this;
        }

        /** Builds it (not started). */
        public Leadership build() {
            return new LatchLeadership(
                    client,
                    electionPath,
                    participantId,
                    threadName != null ? threadName : "ringleader-leadership-" + participantId);
        }
    }
}

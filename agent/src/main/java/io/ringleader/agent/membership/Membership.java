package io.ringleader.agent.membership;

import io.ringleader.agent.layout.ClusterPath;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.listen.Listenable;
import org.apache.zookeeper.data.ACL;

/**
 * A member's liveness in ZooKeeper and its view of every member of the cluster.
 *
 * <p>The own record is an ephemeral znode {@code <root>/<cluster>/members/<id>}; the view follows all members
 * through one persistent recursive watch on {@code members/}. Connection states have one effect each:
 *
 * <ul>
 *   <li>SUSPENDED: the view is republished with {@link MemberView#isCurrent()} false; registration becomes
 *       {@link RegistrationState#SUSPENDED}. Nothing is written.
 *   <li>LOST: the same for the view; registration becomes {@link RegistrationState#LOST}.
 *   <li>CONNECTED / RECONNECTED: never assume. The members are read again in full and the view republished as
 *       current; the own record is checked and, under a new session, re-created from the current record.
 * </ul>
 *
 * <p>IMPORTANT: after a session expires, the old ephemeral znode may outlive it briefly on the server; the agent
 * waits for it to go rather than overwrite it, so a member never appears twice. An id held by a session the agent
 * does not know (a crashed predecessor, or another live agent) is waited for during one session timeout; if it is
 * still held then, the agent refuses it ({@link RegistrationState#CONFLICT}) instead of taking it. A record deleted
 * by someone else while the agent lives is re-created.
 */
public interface Membership extends Closeable {

    /** A builder for a membership over an existing, started Curator client, which the membership does not close. */
    static Builder builder(CuratorFramework client, ClusterPath path) {
        return new Builder(client, path);
    }

    /**
     * Starts following the members and, unless an observer, registers the own record.
     *
     * @throws IllegalStateException if already started or closed
     */
    void start();

    /** The latest view; never null. */
    MemberView view();

    /** Where to add listeners of the view and of the own registration. */
    Listenable<MembershipListener> listenable();

    /** The own record as last set, or empty for an observer. */
    Optional<Member> self();

    /** Where the own record stands. */
    RegistrationState registrationState();

    /**
     * Changes the own record (state, attributes, weight) and publishes it; a change that leaves the record equal
     * publishes nothing. The id, endpoint and start time cannot change. While disconnected the change is kept and
     * published on reconnect.
     *
     * @throws IllegalStateException for an observer, or once closed
     * @throws IllegalArgumentException if the change alters the id, endpoint or start time, or makes the record
     *     larger than {@link MemberCodec#MAX_BYTES}
     */
    void update(UnaryOperator<Member> change);

    /**
     * Waits until the own record is registered (an observer: until the first view is read).
     *
     * @throws TimeoutException if that did not happen within {@code timeout}; the message names the connect string
     *     and the connection state
     * @throws MemberIdConflictException if another live session holds the member id
     * @throws IllegalStateException if closed, or not started
     */
    void awaitJoined(Duration timeout) throws InterruptedException, TimeoutException, MemberIdConflictException;

    /**
     * Stops following, deletes the own record if this session owns it, and stops the membership's thread.
     * Idempotent. While disconnected the record cannot be deleted: it goes when the session ends (at once when the
     * agent closes its own client).
     */
    @Override
    void close();

    /** Builds a {@link Membership}; {@link #self(Member)} absent means an observer. */
    final class Builder {
        private final CuratorFramework client;
        private final ClusterPath path;
        private Member self;
        private List<ACL> acl;
        private String threadName;

        private Builder(CuratorFramework client, ClusterPath path) {
            this.client = Objects.requireNonNull(client, "client");
            this.path = Objects.requireNonNull(path, "path");
        }

        /** Registers this record; without it the membership is an observer. */
        public Builder self(Member member) {
            this.self = Objects.requireNonNull(member, "member");
            return this;
        }

        /**
         * The ACL of the own znode; required with {@link #self(Member)} (no default: {@link
         * io.ringleader.agent.layout.RecordAcl#of(boolean, boolean)} gives open ACLs only with the insecure flag).
         */
        public Builder acl(List<ACL> acl) {
            this.acl = List.copyOf(acl);
            return this;
        }

        /** The name of the membership's thread (default {@code ringleader-agent-<id>-membership}). */
        public Builder threadName(String name) {
            this.threadName = Objects.requireNonNull(name, "threadName");
            return this;
        }

        /**
         * Builds it.
         *
         * @throws IllegalArgumentException if the own record is over the size budget, or the client uses a Curator
         *     namespace (the membership watches raw ZooKeeper paths; use the cluster path's root instead)
         * @throws IllegalStateException if the own record is given without its ACL
         */
        public Membership build() {
            String namespace = client.getNamespace();
            if (namespace != null && !namespace.isEmpty()) {
                throw new IllegalArgumentException("a Curator client with a namespace ('" + namespace
                        + "') is not supported: pass a client without one and put the prefix in the root path");
            }
            if (self != null) {
                MemberCodec.encode(self);
                if (acl == null) {
                    throw new IllegalStateException("the member record of '" + self.id() + "' needs an ACL: call"
                            + " acl(RecordAcl.of(authenticated, insecure))");
                }
            }
            String name = threadName != null
                    ? threadName
                    : "ringleader-" + (self == null ? "observer-" + path.cluster() : "agent-" + self.id())
                            + "-membership";
            return new ZkMembership(client, path, self, acl, name);
        }
    }
}

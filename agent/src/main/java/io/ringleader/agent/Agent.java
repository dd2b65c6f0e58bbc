package io.ringleader.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.ringleader.agent.health.HealthCheck;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.RecordAcl;
import io.ringleader.agent.leadership.Leadership;
import io.ringleader.agent.membership.Endpoint;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.membership.MemberCodec;
import io.ringleader.agent.membership.MemberIdConflictException;
import io.ringleader.agent.membership.MemberState;
import io.ringleader.agent.membership.MemberView;
import io.ringleader.agent.membership.Membership;
import io.ringleader.agent.membership.MembershipListener;
import io.ringleader.agent.membership.RegistrationState;
import io.ringleader.agent.roles.Roles;
import io.ringleader.agent.routing.CallPolicy;
import io.ringleader.agent.routing.Caller;
import io.ringleader.agent.routing.Router;
import io.ringleader.agent.vip.VirtualEndpoint;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import org.apache.curator.RetryPolicy;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.listen.Listenable;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

/**
 * The front door of the library a service embeds: its liveness in a Ringleader cluster and its view of the other
 * members.
 *
 * <pre>{@code
 * try (Agent agent = Agent.builder()
 *         .connectString("zk1:2181,zk2:2181,zk3:2181")
 *         .cluster("orders")
 *         .memberId("kv-1")
 *         .endpoint("10.0.0.7", 7001)
 *         .zone("eu-1a")
 *         .authorization("digest", System.getenv("RINGLEADER_ZK_CREDENTIALS"))
 *         .build()) {
 *     agent.start();
 *     agent.awaitJoined(Duration.ofSeconds(10));
 *     agent.membership().listenable().addListener((before, after) -> log.info("members: {}", after.members()));
 *     ...
 * }
 * }</pre>
 *
 * <p>An observer ({@link Builder#observer()}) follows the members without registering: a routing client, the
 * admin CLI, a dashboard.
 */
public interface Agent extends Closeable {

    /** A builder; see {@link Builder} for every option and its default. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Connects (if the agent owns its client), starts following the members and registers the own record.
     * Returns at once; use {@link #awaitJoined(Duration)} to wait.
     *
     * @throws IllegalStateException if already started or closed
     */
    void start();

    /**
     * Waits until the own record is live in ZooKeeper (an observer: until the members are read once).
     *
     * @throws TimeoutException naming the connect string if that did not happen in time
     * @throws MemberIdConflictException if another live session holds this member id
     */
    void awaitJoined(Duration timeout) throws InterruptedException, TimeoutException, MemberIdConflictException;

    /** This member's id (generated if none was given); for an observer, the observer's name. */
    String memberId();

    /** The cluster's ZooKeeper paths. */
    ClusterPath clusterPath();

    /** Whether this agent only observes. */
    boolean isObserver();

    /** The latest member view; never null. */
    MemberView members();

    /** Membership: the view, its listeners and the own record. */
    Membership membership();

    /**
     * The router: {@code route(key)}, {@code replicas(key)} and pickers, following the ring and the members. Started
     * and closed with the agent; an observer has one too.
     */
    Router router();

    /** Shortcut for {@code membership().listenable()}. */
    default Listenable<MembershipListener> membershipListenable() {
        return membership().listenable();
    }

    /** Where the own record stands. */
    default RegistrationState registrationState() {
        return membership().registrationState();
    }

    /**
     * Declares a new state (for example UP once caught up) and publishes it.
     *
     * @throws IllegalStateException for an observer or once closed
     */
    default void setState(MemberState state) {
        Objects.requireNonNull(state, "state");
        membership().update(m -> m.withState(state));
    }

    /**
     * Replaces the free-form attributes and publishes them.
     *
     * @throws IllegalArgumentException if a key is blank or the record grows over {@link MemberCodec#MAX_BYTES}
     * @throws IllegalStateException for an observer or once closed
     */
    default void setAttributes(Map<String, String> attributes) {
        membership().update(m -> m.withAttributes(attributes));
    }

    /**
     * A named election among the agents of this cluster that call it with the same name, at
     * {@code <root>/<cluster>/elections/<name>}, with this agent's member id as participant id. Returned
     * unstarted; the agent closes it when the agent closes.
     *
     * @throws IllegalArgumentException if the name is not a valid znode name
     * @throws IllegalStateException if the agent is closed
     */
    Leadership leadership(String name);

    /**
     * A virtual endpoint ("VIP") for a single-master service: {@code name} resolves to the primary of the slot of
     * {@code name} in this agent's router, and its listeners and switchover actions hear every change of that
     * master. Returned unstarted ({@link VirtualEndpoint#resolve()} works at once; {@link VirtualEndpoint#start()}
     * delivers changes); the agent closes it when the agent closes. An observer has them too.
     *
     * @throws IllegalArgumentException if the name is blank
     * @throws IllegalStateException if the agent is closed
     */
    VirtualEndpoint virtualEndpoint(String name);

    /**
     * This member's roles (primary and backup slots, with their epoch) and their listeners; an observer has none.
     */
    Roles roles();

    /**
     * Declares this member ready after catching up: a member that joined as {@link MemberState#JOINING} (cold
     * standby) becomes {@link MemberState#UP} and so eligible as primary.
     *
     * @throws IllegalStateException for an observer or once closed
     */
    default void ready() {
        setState(MemberState.UP);
    }

    /**
     * Planned handoff before maintenance: declares this member {@link MemberState#DRAINING}, so that every router
     * moves its primary roles to the next replica, then waits until this member is primary of no slot (in roles
     * derived after the change), every slot it holds has another UP replica as primary, and {@code inFlight}
     * reports no request still running. The member stays present
     * and keeps serving as a backup; {@link #setState setState(UP)} undoes a drain.
     *
     * @param inFlight how many requests this member is still serving as primary (return 0 if not tracked)
     * @throws TimeoutException if that did not happen within {@code timeout}; the state stays DRAINING
     * @throws IllegalStateException for an observer or once closed
     */
    void drain(Duration timeout, IntSupplier inFlight) throws InterruptedException, TimeoutException;

    /**
     * Reports that calls to {@code memberId} fail (a peer suspicion), or renews the report; it expires after the
     * suspicion ttl (default 10 s, {@link Builder#suspicionTtl}). When enough distinct live members agree, the
     * coordinator takes the suspect out of the ring although its session lives.
     *
     * @throws IllegalArgumentException if the id is this member's own or not a valid id
     * @throws IllegalStateException for an observer
     */
    void suspect(String memberId);

    /** Withdraws this member's suspicion of {@code memberId}, if any. */
    void withdrawSuspicion(String memberId);

    /**
     * A caller over this agent's router (see {@link io.ringleader.agent.routing.Caller}) that also reports a peer
     * suspicion of every member whose circuit opens, so that a member that fails its callers is taken out of the
     * ring by the coordinator's suspicion quorum, faster than its session would expire. An observer's caller reports
     * nothing.
     */
    default Caller caller(CallPolicy policy) {
        if (isObserver()) {
            return router().caller(policy);
        }
        return router().caller(policy.alsoOnCircuitOpen(member -> {
            if (!member.id().equals(memberId())) {
                suspect(member.id());
            }
        }));
    }

    /** The Curator client the agent uses, for the service's own recipes. Do not close it. */
    CuratorFramework curator();

    /**
     * Deletes the own record (if this session owns it), stops following, and closes the client if the agent owns
     * it, which ends the session. Idempotent.
     */
    @Override
    void close();

    /**
     * Builds an {@link Agent}. Every setter validates its argument; {@link #build()} checks the whole.
     *
     * <p>Defaults: root {@value ClusterPath#DEFAULT_ROOT}, a generated member id, weight 1, no zone, state UP,
     * session timeout 10 s, connection timeout 5 s, bounded exponential backoff retries (100 ms to 2 s, 5 times).
     * There is no default for security: {@link #build()} requires {@link #authorization} or {@link #insecure()}.
     */
    final class Builder {
        private static final Duration MIN_SESSION = Duration.ofMillis(500);
        private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
        private static final Duration MIN_CONNECTION = Duration.ofMillis(100);
        private static final Duration DEFAULT_CONNECTION = Duration.ofSeconds(5);

        private String connectString;
        private CuratorFramework client;
        private String root = ClusterPath.DEFAULT_ROOT;
        private String cluster;
        private String memberId;
        private Endpoint endpoint;
        private int weight = 1;
        private String zone;
        private final Map<String, String> attributes = new LinkedHashMap<>();
        private MemberState initialState = MemberState.UP;
        private Duration sessionTimeout = Duration.ofSeconds(10);
        private Duration connectionTimeout;
        private RetryPolicy retryPolicy = new BoundedExponentialBackoffRetry(100, 2_000, 5);
        private final List<AuthInfo> authorization = new ArrayList<>();
        private boolean insecure;
        private boolean observer;
        private HealthCheck healthCheck;
        private Duration suspicionTtl = Duration.ofSeconds(10);
        private Duration healthInterval;
        private int healthFailures;
        private Clock clock = Clock.systemUTC();
        private boolean takeoverEvents = true;
        private MeterRegistry meterRegistry;

        private Builder() {}

        /** The ZooKeeper ensemble, {@code host:port[,host:port…][/chroot]}. Required unless {@link #client}. */
        public Builder connectString(String connectString) {
            this.connectString = Objects.requireNonNull(connectString, "connectString");
            return this;
        }

        /**
         * Uses an existing, started Curator client instead of creating one; the agent does not close it, and the
         * connection options of this builder do not apply. The client's own ACL provider applies to the parents it
         * creates; {@link #authorization} (declaring the identity the client authenticated as) or {@link
         * #insecure()} still decides the ACL of the agent's records.
         */
        public Builder client(CuratorFramework client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The root namespace (default {@value ClusterPath#DEFAULT_ROOT}). */
        public Builder root(String root) {
            this.root = Objects.requireNonNull(root, "root");
            return this;
        }

        /** The cluster name. Required. */
        public Builder cluster(String cluster) {
            this.cluster = cluster;
            return this;
        }

        /** The member id, unique in the cluster (default: generated, {@code member-<8 hex>}, {@code observer-<8 hex>}). */
        public Builder memberId(String memberId) {
            this.memberId = memberId;
            return this;
        }

        /** Where the service serves. Required unless {@link #observer()}. */
        public Builder endpoint(String host, int port) {
            this.endpoint = new Endpoint(host, port);
            return this;
        }

        /** The member's relative weight, 1 to {@value Member#MAX_WEIGHT} (default 1). */
        public Builder weight(int weight) {
            this.weight = weight;
            return this;
        }

        /** The member's failure domain (default none). */
        public Builder zone(String zone) {
            this.zone = zone;
            return this;
        }

        /** Adds a free-form attribute published in the record. */
        public Builder attribute(String key, String value) {
            this.attributes.put(key, value);
            return this;
        }

        /** The state the record starts with (default UP; JOINING for a cold standby). */
        public Builder initialState(MemberState state) {
            this.initialState = Objects.requireNonNull(state, "initialState");
            return this;
        }

        /** The ZooKeeper session timeout, 500 ms to 10 min (default 10 s); the server may narrow it. */
        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = Objects.requireNonNull(timeout, "sessionTimeout");
            return this;
        }

        /** How long one connection attempt may take, 100 ms to the session timeout (default 5 s, or the session timeout if shorter). */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = Objects.requireNonNull(timeout, "connectionTimeout");
            return this;
        }

        /** How Curator retries a failed operation (default bounded exponential backoff, 100 ms to 2 s, 5 times). */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /**
         * Authenticates to ZooKeeper, for example {@code ("digest", "user:secret")}. With authentication every znode
         * the agent creates (its record, the parents, suspicions, events, election znodes) is writable by the
         * authenticated identity only and readable by all; {@link #insecure()} is then ignored.
         */
        public Builder authorization(String scheme, String credentials) {
            Objects.requireNonNull(scheme, "scheme");
            Objects.requireNonNull(credentials, "credentials");
            if (scheme.isBlank()) {
                throw new IllegalArgumentException("authorization scheme must not be blank");
            }
            this.authorization.add(new AuthInfo(scheme, credentials.getBytes(StandardCharsets.UTF_8)));
            return this;
        }

        /**
         * Lets the agent run without ZooKeeper authentication: every znode it creates is then open ({@code
         * world:anyone} all), so anyone who can reach ZooKeeper can change or delete the cluster's members and ring.
         * For development and private ensembles only; the agent logs a warning when it starts. Ignored with {@link
         * #authorization}. Without one of the two, {@link #build()} refuses.
         */
        public Builder insecure() {
            this.insecure = true;
            return this;
        }

        /**
         * Runs {@code check} every {@code interval}: after {@code failuresBeforeDown} failures in a row the member
         * turns DOWN (present, keeps its slots, primary of none), and UP again after one pass. Only UP and DOWN are
         * switched; JOINING, DRAINING and SPARE are left alone.
         *
         * @throws IllegalArgumentException if the interval is not between 10 ms and 10 min, or failuresBeforeDown < 1
         */
        public Builder healthCheck(HealthCheck check, Duration interval, int failuresBeforeDown) {
            this.healthCheck = Objects.requireNonNull(check, "check");
            this.healthInterval = Objects.requireNonNull(interval, "interval");
            checkTimeout("health check interval", interval, Duration.ofMillis(10), MAX_TIMEOUT);
            if (failuresBeforeDown < 1) {
                throw new IllegalArgumentException("failuresBeforeDown must be >= 1, was " + failuresBeforeDown);
            }
            this.healthFailures = failuresBeforeDown;
            return this;
        }

        /** How long a peer suspicion lasts unless renewed, 100 ms to 10 min (default 10 s). */
        public Builder suspicionTtl(Duration ttl) {
            this.suspicionTtl = Objects.requireNonNull(ttl, "suspicionTtl");
            checkTimeout("suspicionTtl", ttl, Duration.ofMillis(100), MAX_TIMEOUT);
            return this;
        }

        /** Follows the members without registering. */
        public Builder observer() {
            this.observer = true;
            return this;
        }

        /**
         * Applies the {@code ringleader.*} settings of a properties file (see {@code conf/agent.properties});
         * setters called later override them. Credentials are read from the environment variable that
         * {@code ringleader.auth.credentials.env} names, never from the file itself.
         *
         * @throws IllegalArgumentException naming an unknown {@code ringleader.*} key or the first bad value
         */
        public Builder properties(Properties properties) {
            AgentProperties.apply(this, properties, System::getenv);
            return this;
        }

        /**
         * Whether this member records its takeovers in the cluster's history ({@code events/}, {@code ringleader
         * admin events}): when it becomes primary of slots whose primary departed, drained or went DOWN, it writes
         * one event with its timeline (view changed, router updated, role listeners told), on a thread of its own
         * after the role listeners were told, so never on the takeover path. Default on; an observer never records.
         */
        public Builder takeoverEvents(boolean record) {
            this.takeoverEvents = record;
            return this;
        }

        /**
         * Registers the agent's Micrometer meters in {@code registry}, each tagged {@code cluster} and {@code member}
         * (see the README's metrics list): ZooKeeper connection state, members by state, ring epoch and health,
         * slots without a primary, this member's primary and backup slot counts, a takeover duration histogram, and
         * the call helper's calls by outcome, attempts, retries, fallbacks, timeouts, budget refusals and circuit
         * openings. They are removed when the agent closes. Default: none, and every meter is a no-op; the agent
         * never registers in Micrometer's global registry.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
            return this;
        }

        /** The clock that stamps the record's start time (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Validates everything and builds the agent (not started).
         *
         * @throws IllegalArgumentException naming the first bad value
         * @throws IllegalStateException if a required option is missing, neither {@link #authorization} nor {@link
         *     #insecure()} was given, or a given client is not started
         */
        public Agent build() {
            if (client == null && (connectString == null || connectString.isBlank())) {
                throw new IllegalStateException("connectString is required (for example 127.0.0.1:2181)");
            }
            if (cluster == null) {
                throw new IllegalStateException("cluster is required");
            }
            if (authorization.isEmpty() && !insecure) {
                throw new IllegalStateException(RecordAcl.NO_AUTHENTICATION
                        + ": call authorization(scheme, credentials) or set ringleader.auth.scheme and"
                        + " ringleader.auth.credentials.env, or call insecure() or set ringleader.insecure=true to let"
                        + " anyone write the cluster's znodes");
            }
            ClusterPath path = new ClusterPath(root, cluster);
            checkTimeout("sessionTimeout", sessionTimeout, MIN_SESSION, MAX_TIMEOUT);
            if (connectionTimeout == null) {
                connectionTimeout =
                        sessionTimeout.compareTo(DEFAULT_CONNECTION) < 0 ? sessionTimeout : DEFAULT_CONNECTION;
            }
            checkTimeout("connectionTimeout", connectionTimeout, MIN_CONNECTION, sessionTimeout);
            String id = memberId != null
                    ? ClusterPath.checkName("memberId", memberId)
                    : generatedId(observer ? "observer" : "member");
            Member self = null;
            if (observer && healthCheck != null) {
                throw new IllegalStateException("an observer has no health to check: drop healthCheck(...)");
            }
            if (!observer) {
                if (endpoint == null) {
                    throw new IllegalStateException("endpoint is required for a member (or call observer())");
                }
                self = new Member(id, endpoint, weight, zone, initialState, clock.instant(), attributes);
                MemberCodec.encode(self);
            }
            return new ZkAgent(this, path, id, self);
        }

        private static void checkTimeout(String what, Duration value, Duration min, Duration max) {
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", was " + value);
            }
        }

        private static String generatedId(String prefix) {
            byte[] bytes = new byte[4];
            new SecureRandom().nextBytes(bytes);
            return prefix + "-" + HexFormat.of().formatHex(bytes);
        }

        String connectString() {
            return connectString;
        }

        CuratorFramework client() {
            return client;
        }

        Duration suspicionTtl() {
            return suspicionTtl;
        }

        boolean takeoverEvents() {
            return takeoverEvents;
        }

        MeterRegistry meterRegistry() {
            return meterRegistry;
        }

        HealthCheck healthCheck() {
            return healthCheck;
        }

        Duration healthInterval() {
            return healthInterval;
        }

        int healthFailures() {
            return healthFailures;
        }

        Duration sessionTimeout() {
            return sessionTimeout;
        }

        Duration connectionTimeout() {
            return connectionTimeout;
        }

        RetryPolicy retryPolicy() {
            return retryPolicy;
        }

        List<AuthInfo> authorization() {
            return List.copyOf(authorization);
        }

        boolean isInsecure() {
            return insecure;
        }
    }
}

package io.ringleader.coordinator;

import io.ringleader.agent.Durations;
import io.ringleader.agent.events.EventLog;
import io.ringleader.agent.internal.Flags;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.RecordAcl;
import io.ringleader.agent.ring.Ring;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The coordinator's settings (see {@code conf/coordinator.properties}).
 *
 * @param connectString the ZooKeeper ensemble
 * @param path the cluster's paths
 * @param coordinatorId this coordinator's id in the election
 * @param slotCount S for a new ring (a power of two, 1 to 65536)
 * @param replication R for a new ring (1 to 7)
 * @param rebalanceDelay how long a departed member keeps its slots before they move (its backups serve meanwhile)
 * @param debounce how long membership must be quiet before the ring is recomputed
 * @param sessionTimeout the coordinator's ZooKeeper session timeout
 * @param connectionTimeout one connection attempt's timeout
 * @param authScheme ZooKeeper auth scheme, or null
 * @param authCredentials ZooKeeper credentials (read from the environment), or null
 * @param suspicionQuorum how many distinct live members must suspect a member before it is taken out of the ring
 *     although its session lives; 0 turns peer suspicion off
 * @param eventsCap how many events the cluster's history keeps ({@code events/}), 10 to 20000; the active
 *     coordinator publishes it for every writer
 * @param insecure whether the coordinator may run without authentication, creating the ring, the failovers, the
 *     events and its election znodes open to all ({@code world:anyone}); ignored with authentication. With neither,
 *     {@link #requireAuthenticationOrInsecure()} refuses the settings.
 */
public record CoordinatorConfig(
        String connectString,
        ClusterPath path,
        String coordinatorId,
        int slotCount,
        int replication,
        Duration rebalanceDelay,
        Duration debounce,
        Duration sessionTimeout,
        Duration connectionTimeout,
        String authScheme,
        String authCredentials,
        int suspicionQuorum,
        int eventsCap,
        boolean insecure) {

    static final Set<String> KEYS = Set.of(
            "ringleader.events.cap",
            "ringleader.suspicion.quorum",
            "ringleader.zk",
            "ringleader.cluster",
            "ringleader.root",
            "ringleader.coordinator.id",
            "ringleader.ring.slots",
            "ringleader.ring.replication",
            "ringleader.rebalance.delay",
            "ringleader.rebalance.debounce",
            "ringleader.session.timeout",
            "ringleader.connection.timeout",
            "ringleader.auth.scheme",
            "ringleader.auth.credentials.env",
            "ringleader.insecure",
            // read by the HTTP server that `ringleader coordinator` starts (coordinator.http.HttpAddress)
            "ringleader.http.address");

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    public CoordinatorConfig {
        if (connectString == null || connectString.isBlank()) {
            throw new IllegalArgumentException("ringleader.zk (--zk) is required, for example 127.0.0.1:2181");
        }
        Objects.requireNonNull(path, "path");
        ClusterPath.checkName("coordinator id", coordinatorId);
        if (slotCount < 1 || slotCount > Ring.MAX_SLOTS || Integer.bitCount(slotCount) != 1) {
            throw new IllegalArgumentException(
                    "ringleader.ring.slots must be a power of two from 1 to " + Ring.MAX_SLOTS + ", was " + slotCount);
        }
        if (replication < 1 || replication > Ring.MAX_REPLICATION) {
            throw new IllegalArgumentException("ringleader.ring.replication must be between 1 and "
                    + Ring.MAX_REPLICATION + ", was " + replication);
        }
        check("ringleader.rebalance.delay", rebalanceDelay, Duration.ZERO, Duration.ofHours(24));
        check("ringleader.rebalance.debounce", debounce, Duration.ZERO, Duration.ofMinutes(1));
        check("ringleader.session.timeout", sessionTimeout, Duration.ofMillis(500), Duration.ofMinutes(10));
        check("ringleader.connection.timeout", connectionTimeout, Duration.ofMillis(100), sessionTimeout);
        if (suspicionQuorum < 0 || suspicionQuorum > 100) {
            throw new IllegalArgumentException(
                    "ringleader.suspicion.quorum must be between 0 (off) and 100, was " + suspicionQuorum);
        }
        EventLog.checkCap("ringleader.events.cap", eventsCap);
        if ((authScheme == null) != (authCredentials == null)) {
            throw new IllegalArgumentException(
                    "ringleader.auth.scheme and ringleader.auth.credentials.env must be set together");
        }
    }

    /**
     * Settings for {@code cluster} on {@code connectString} with every default: without authentication and not
     * insecure, so a coordinator refuses them until credentials ({@code authScheme}, {@code authCredentials}) or
     * {@link #withInsecure} decide.
     */
    public static CoordinatorConfig defaults(String connectString, String cluster) {
        return new CoordinatorConfig(
                connectString,
                ClusterPath.of(cluster),
                defaultId(),
                Ring.DEFAULT_SLOTS,
                Ring.DEFAULT_REPLICATION,
                Duration.ofSeconds(30),
                Duration.ofMillis(200),
                Duration.ofSeconds(10),
                Duration.ofSeconds(5),
                null,
                null,
                0,
                EventLog.DEFAULT_CAP,
                false);
    }

    /** This config with other timings (tests and demos use short ones). */
    public CoordinatorConfig withTimings(Duration newRebalanceDelay, Duration newDebounce, Duration newSessionTimeout) {
        Copy c = new Copy(this);
        c.rebalanceDelay = newRebalanceDelay;
        c.debounce = newDebounce;
        c.sessionTimeout = newSessionTimeout;
        c.connectionTimeout =
                newSessionTimeout.compareTo(connectionTimeout) < 0 ? newSessionTimeout : connectionTimeout;
        return c.build();
    }

    /** This config with another coordinator id. */
    public CoordinatorConfig withId(String id) {
        Copy c = new Copy(this);
        c.coordinatorId = id;
        return c.build();
    }

    /** This config with another suspicion quorum (0: off). */
    public CoordinatorConfig withSuspicionQuorum(int quorum) {
        Copy c = new Copy(this);
        c.suspicionQuorum = quorum;
        return c.build();
    }

    /** This config with another events cap. */
    public CoordinatorConfig withEventsCap(int cap) {
        Copy c = new Copy(this);
        c.eventsCap = cap;
        return c.build();
    }

    /** This config with the insecure flag set or not (see {@link #insecure()}). */
    public CoordinatorConfig withInsecure(boolean newInsecure) {
        Copy c = new Copy(this);
        c.insecure = newInsecure;
        return c.build();
    }

    /**
     * Checks that the settings say how the znodes the coordinator creates are protected: authentication, or else the
     * insecure flag.
     *
     * @return this
     * @throws IllegalArgumentException in one line naming both fixes, if neither is set
     */
    public CoordinatorConfig requireAuthenticationOrInsecure() {
        if (authScheme == null && !insecure) {
            throw new IllegalArgumentException(RecordAcl.NO_AUTHENTICATION
                    + ": set ringleader.auth.scheme and ringleader.auth.credentials.env, or set ringleader.insecure=true"
                    + " (--insecure) to let anyone write the cluster's znodes");
        }
        return this;
    }

    /** This config with another ring shape. */
    public CoordinatorConfig withRing(int newSlotCount, int newReplication) {
        Copy c = new Copy(this);
        c.slotCount = newSlotCount;
        c.replication = newReplication;
        return c.build();
    }

    /**
     * Reads a properties file; {@code overrides} (from command-line flags) win over it.
     *
     * @throws IllegalArgumentException naming the file, an unknown {@code ringleader.*} key, or the first bad value
     */
    public static CoordinatorConfig load(Path file, Map<String, String> overrides, Function<String, String> env) {
        return from(properties(file, overrides), env);
    }

    /**
     * The properties of a file, or none if {@code file} is null, with {@code overrides} (from command-line flags)
     * winning over them; a null override is ignored.
     *
     * @throws IllegalArgumentException naming the file if it cannot be read
     */
    public static Properties properties(Path file, Map<String, String> overrides) {
        Properties properties = new Properties();
        if (file != null) {
            try (Reader in = Files.newBufferedReader(file)) {
                properties.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + file + " (" + e.getMessage()
                        + "); pass --config with a readable properties file");
            }
        }
        overrides.forEach((k, v) -> {
            if (v != null) {
                properties.setProperty(k, v);
            }
        });
        return properties;
    }

    /**
     * Reads settings from properties.
     *
     * @throws IllegalArgumentException naming an unknown {@code ringleader.*} key or the first bad value
     */
    public static CoordinatorConfig from(Properties properties, Function<String, String> env) {
        Map<String, String> s = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith("ringleader.")) {
                continue;
            }
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown setting '" + key + "'; known settings: " + new TreeSet<>(KEYS));
            }
            s.put(key, properties.getProperty(key).trim());
        }
        String cluster = s.get("ringleader.cluster");
        if (cluster == null) {
            throw new IllegalArgumentException("ringleader.cluster (--cluster) is required");
        }
        String credentials = null;
        String credentialsEnv = s.get("ringleader.auth.credentials.env");
        if (credentialsEnv != null) {
            credentials = env.apply(credentialsEnv);
            if (credentials == null || credentials.isEmpty()) {
                throw new IllegalArgumentException("ringleader.auth.credentials.env names the environment variable "
                        + credentialsEnv + ", which is not set: export it with the ZooKeeper credentials");
            }
        }
        return new CoordinatorConfig(
                        s.get("ringleader.zk"),
                        new ClusterPath(s.getOrDefault("ringleader.root", ClusterPath.DEFAULT_ROOT), cluster),
                        s.getOrDefault("ringleader.coordinator.id", defaultId()),
                        integer(s, "ringleader.ring.slots", Ring.DEFAULT_SLOTS),
                        integer(s, "ringleader.ring.replication", Ring.DEFAULT_REPLICATION),
                        duration(s, "ringleader.rebalance.delay", "30s"),
                        duration(s, "ringleader.rebalance.debounce", "200ms"),
                        duration(s, "ringleader.session.timeout", "10s"),
                        duration(s, "ringleader.connection.timeout", "5s"),
                        s.get("ringleader.auth.scheme"),
                        credentials,
                        integer(s, "ringleader.suspicion.quorum", 0),
                        integer(s, "ringleader.events.cap", EventLog.DEFAULT_CAP),
                        Flags.parse("ringleader.insecure", s.get("ringleader.insecure")))
                .requireAuthenticationOrInsecure();
    }

    private static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "coordinator";
        }
        String id = (host + "-" + ProcessHandle.current().pid()).replaceAll("[^A-Za-z0-9._-]", "-");
        return Character.isLetterOrDigit(id.charAt(0)) ? id : "c" + id;
    }

    private static int integer(Map<String, String> s, String key, int fallback) {
        String v = s.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + v + "'");
        }
    }

    private static Duration duration(Map<String, String> s, String key, String fallback) {
        try {
            return Durations.parse(s.getOrDefault(key, fallback));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage());
        }
    }

    private static void check(String key, Duration value, Duration min, Duration max) {
        Objects.requireNonNull(value, key);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", was " + value);
        }
    }

    /** A mutable copy of a config, for the {@code with…} methods: each changes its fields and builds a new config. */
    private static final class Copy {
        String connectString;
        ClusterPath path;
        String coordinatorId;
        int slotCount;
        int replication;
        Duration rebalanceDelay;
        Duration debounce;
        Duration sessionTimeout;
        Duration connectionTimeout;
        String authScheme;
        String authCredentials;
        int suspicionQuorum;
        int eventsCap;
        boolean insecure;

        Copy(CoordinatorConfig c) {
            connectString = c.connectString;
            path = c.path;
            coordinatorId = c.coordinatorId;
            slotCount = c.slotCount;
            replication = c.replication;
            rebalanceDelay = c.rebalanceDelay;
            debounce = c.debounce;
            sessionTimeout = c.sessionTimeout;
            connectionTimeout = c.connectionTimeout;
            authScheme = c.authScheme;
            authCredentials = c.authCredentials;
            suspicionQuorum = c.suspicionQuorum;
            eventsCap = c.eventsCap;
            insecure = c.insecure;
        }

        CoordinatorConfig build() {
            return new CoordinatorConfig(
                    connectString,
                    path,
                    coordinatorId,
                    slotCount,
                    replication,
                    rebalanceDelay,
                    debounce,
                    sessionTimeout,
                    connectionTimeout,
                    authScheme,
                    authCredentials,
                    suspicionQuorum,
                    eventsCap,
                    insecure);
        }
    }
}

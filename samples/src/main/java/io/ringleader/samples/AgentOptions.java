package io.ringleader.samples;

import io.ringleader.agent.Agent;
import io.ringleader.agent.internal.Flags;
import io.ringleader.agent.layout.RecordAcl;
import io.ringleader.coordinator.cli.DurationConverter;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The agent flags shared by the sample commands that run a member ({@code member}, {@code kv-node}): a properties
 * file plus flags that override it. Mixed into a command with {@code @Mixin}.
 */
public final class AgentOptions {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Agent properties (see conf/agent.properties); the flags below override them.")
    Path config;

    @Option(names = "--zk", paramLabel = "CONNECT", description = "ZooKeeper connect string.")
    String zk;

    @Option(names = "--cluster", paramLabel = "NAME", description = "Cluster name.")
    String cluster;

    @Option(names = "--id", paramLabel = "ID", description = "Member id.")
    String id;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            description = "Advertised host (default 127.0.0.1 when --port is given).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "Advertised port.")
    Integer port;

    @Option(names = "--zone", paramLabel = "ZONE", description = "Zone.")
    String zone;

    @Option(
            names = "--session-timeout",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "ZooKeeper session timeout, e.g. 2s.")
    Duration sessionTimeout;

    @Option(
            names = "--insecure",
            description = "Run without ZooKeeper authentication: the znodes the agent creates are writable by anyone"
                    + " (ringleader.insecure=true). Ignored with ringleader.auth.* in --config.")
    boolean insecure;

    @Option(names = "--parent-watch", description = "Exit when standard input closes (used by the demo).")
    boolean parentWatch;

    /** The member id given with {@code --id}, or null. */
    public String id() {
        return id;
    }

    /** The cluster given with {@code --cluster}, or null. */
    public String cluster() {
        return cluster;
    }

    /** The port given with {@code --port}, or null. */
    public Integer port() {
        return port;
    }

    /** The advertised host: {@code --host}, or 127.0.0.1. */
    public String host() {
        return host == null ? "127.0.0.1" : host;
    }

    /**
     * An agent builder with the properties file, then the flags, applied.
     *
     * @throws IOException if the properties file cannot be read; the message names it
     * @throws IllegalArgumentException naming the first bad setting, or in one line naming both fixes if neither
     *     authentication ({@code ringleader.auth.*} in the file) nor the insecure flag is set
     */
    public Agent.Builder configure() throws IOException {
        Agent.Builder builder = Agent.builder();
        Properties properties = new Properties();
        if (config != null) {
            try (Reader in = Files.newBufferedReader(config)) {
                properties.load(in);
            } catch (IOException e) {
                throw new IOException("cannot read --config " + config + ": " + e.getMessage(), e);
            }
            builder.properties(properties);
        }
        if (properties.getProperty("ringleader.auth.scheme") == null
                && !insecure
                && !Flags.parse("ringleader.insecure", properties.getProperty("ringleader.insecure"))) {
            throw new IllegalArgumentException(RecordAcl.NO_AUTHENTICATION
                    + ": set ringleader.auth.scheme and ringleader.auth.credentials.env in --config FILE, or pass"
                    + " --insecure to let anyone write the cluster's znodes");
        }
        if (insecure) {
            builder.insecure();
        }
        if (zk != null) {
            builder.connectString(zk);
        }
        if (cluster != null) {
            builder.cluster(cluster);
        }
        if (id != null) {
            builder.memberId(id);
        }
        if (port != null) {
            builder.endpoint(host(), port);
        }
        if (zone != null) {
            builder.zone(zone);
        }
        if (sessionTimeout != null) {
            Duration connection = Duration.ofSeconds(2);
            builder.sessionTimeout(sessionTimeout)
                    .connectionTimeout(sessionTimeout.compareTo(connection) < 0 ? sessionTimeout : connection);
        }
        return builder;
    }

    /** With {@code --parent-watch}, starts a daemon thread that exits the JVM when standard input closes. */
    public void watchParent(String threadName) {
        if (!parentWatch) {
            return;
        }
        Thread watch = new Thread(() -> exitWhenClosed(System.in), threadName);
        watch.setDaemon(true);
        watch.start();
    }

    private static void exitWhenClosed(InputStream in) {
        try {
            while (in.read() >= 0) {
                // the parent never writes: only EOF matters
            }
        } catch (IOException e) {
            // closed as well
        }
        System.exit(0);
    }
}

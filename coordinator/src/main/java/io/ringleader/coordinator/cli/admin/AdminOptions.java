package io.ringleader.coordinator.cli.admin;

import io.ringleader.agent.internal.Flags;
import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.coordinator.admin.AdminTarget;
import io.ringleader.coordinator.cli.DurationConverter;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options every admin command takes. Where to connect comes from, in order: the flag, the environment
 * ({@code RINGLEADER_ZK}, {@code RINGLEADER_CLUSTER}, {@code RINGLEADER_ROOT}, {@code RINGLEADER_INSECURE}), the
 * properties file ({@code ringleader.zk}, {@code ringleader.cluster}, {@code ringleader.root}, {@code
 * ringleader.auth.*}, {@code ringleader.insecure}).
 */
final class AdminOptions {
    @Option(
            names = "--zk",
            paramLabel = "CONNECT",
            description = "ZooKeeper connect string (else RINGLEADER_ZK, else ringleader.zk).")
    String zk;

    @Option(
            names = "--cluster",
            paramLabel = "NAME",
            description = "Cluster name (else RINGLEADER_CLUSTER, else ringleader.cluster).")
    String cluster;

    @Option(
            names = "--root",
            paramLabel = "PATH",
            description = "Root namespace (else RINGLEADER_ROOT, else ringleader.root, else /ringleader).")
    String root;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Properties file to read (default " + AdminCommand.DEFAULT_CONFIG_NAME + " if it exists).")
    Path config;

    @Option(
            names = "--insecure",
            description = "Write without ZooKeeper authentication: the znodes it creates are writable by anyone (else"
                    + " RINGLEADER_INSECURE, else ringleader.insecure). Ignored with ringleader.auth.*; reading needs"
                    + " no flag.")
    boolean insecure;

    @Option(
            names = "--connect-timeout",
            paramLabel = "DURATION",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "How long to wait for ZooKeeper, 100ms to 1m (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--json", description = "Print one JSON object (its fields are in docs/admin.md).")
    boolean json;

    @Option(
            names = {"-v", "--verbose"},
            description = "Print the stack trace of a failure after its one-line message.")
    boolean verbose;

    /**
     * Where to connect.
     *
     * @throws ParameterException naming the missing or bad setting and where to set it
     */
    AdminTarget target(CommandLine cli, Function<String, String> env, Path defaultConfig) {
        Path file = config != null ? config : Files.isRegularFile(defaultConfig) ? defaultConfig : null;
        Properties properties = new Properties();
        if (file != null) {
            try (Reader in = Files.newBufferedReader(file)) {
                properties.load(in);
            } catch (IOException | IllegalArgumentException e) {
                throw new ParameterException(
                        cli,
                        "cannot read " + file + " (" + e.getMessage()
                                + "); pass --config with a readable properties file");
            }
        }
        Path where = file != null ? file : defaultConfig;
        String connect = first(zk, env.apply("RINGLEADER_ZK"), properties.getProperty("ringleader.zk"));
        if (connect == null) {
            throw new ParameterException(
                    cli,
                    "no ZooKeeper to connect to: pass --zk HOST:PORT, set RINGLEADER_ZK, or set ringleader.zk in "
                            + where);
        }
        String name = first(cluster, env.apply("RINGLEADER_CLUSTER"), properties.getProperty("ringleader.cluster"));
        if (name == null) {
            throw new ParameterException(
                    cli,
                    "no cluster named: pass --cluster NAME, set RINGLEADER_CLUSTER, or set ringleader.cluster in "
                            + where);
        }
        String rootPath = first(
                root,
                env.apply("RINGLEADER_ROOT"),
                properties.getProperty("ringleader.root"),
                ClusterPath.DEFAULT_ROOT);
        String scheme = first(properties.getProperty("ringleader.auth.scheme"));
        String credentialsEnv = first(properties.getProperty("ringleader.auth.credentials.env"));
        String credentials = null;
        if ((scheme == null) != (credentialsEnv == null)) {
            throw new ParameterException(
                    cli, "ringleader.auth.scheme and ringleader.auth.credentials.env must be set together in " + where);
        }
        if (credentialsEnv != null) {
            credentials = first(env.apply(credentialsEnv));
            if (credentials == null) {
                throw new ParameterException(
                        cli,
                        "ringleader.auth.credentials.env names the environment variable " + credentialsEnv
                                + ", which is not set: export it with the ZooKeeper credentials");
            }
        }
        try {
            String insecureEnv = first(env.apply("RINGLEADER_INSECURE"));
            // the setting is parsed even with --insecure, so that a bad value is named, not ignored
            boolean setting = insecureEnv != null
                    ? Flags.parse("RINGLEADER_INSECURE", insecureEnv)
                    : Flags.parse(
                            "ringleader.insecure in " + where, first(properties.getProperty("ringleader.insecure")));
            boolean open = insecure || setting;
            return new AdminTarget(connect, new ClusterPath(rootPath, name), scheme, credentials, connectTimeout, open);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cli, e.getMessage());
        }
    }

    /** The first value that is set and not blank, trimmed; null if none. */
    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }
}

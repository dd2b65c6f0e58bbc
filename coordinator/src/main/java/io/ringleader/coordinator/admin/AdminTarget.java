package io.ringleader.coordinator.admin;

import io.ringleader.agent.layout.ClusterPath;
import io.ringleader.agent.layout.RecordAcl;
import java.time.Duration;
import java.util.Objects;

/**
 * Where an admin operation goes: the ZooKeeper ensemble, the cluster's paths, the credentials if any, and how long
 * connecting may take.
 *
 * @param connectString the ZooKeeper connect string, {@code host:port[,host:port...][/chroot]}
 * @param path the cluster's paths
 * @param authScheme a ZooKeeper auth scheme such as {@code digest}, or null
 * @param authCredentials the credentials for {@code authScheme}, or null; never logged
 * @param connectTimeout how long to wait for a connection before giving up, 100ms to 1m
 * @param insecure whether the admin may write without authentication, creating the config (and an imported ring)
 *     open to all ({@code world:anyone}); ignored with authentication. Reading needs neither.
 */
public record AdminTarget(
        String connectString,
        ClusterPath path,
        String authScheme,
        String authCredentials,
        Duration connectTimeout,
        boolean insecure) {

    /** The largest connect timeout. */
    public static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(1);

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if the connect string is blank, the scheme and credentials are not set
     *     together, or the timeout is out of range; the message names the bad value
     */
    public AdminTarget {
        if (connectString == null || connectString.isBlank()) {
            throw new IllegalArgumentException("the ZooKeeper connect string must not be blank");
        }
        Objects.requireNonNull(path, "path");
        if ((authScheme == null) != (authCredentials == null)) {
            throw new IllegalArgumentException("an auth scheme and its credentials must be set together");
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.compareTo(Duration.ofMillis(100)) < 0 || connectTimeout.compareTo(MAX_CONNECT_TIMEOUT) > 0) {
            throw new IllegalArgumentException(
                    "--connect-timeout must be between 100ms and " + MAX_CONNECT_TIMEOUT + ", was " + connectTimeout);
        }
    }

    /**
     * Checks that this target may write: with authentication, or with the insecure flag. Reading needs neither (it
     * creates nothing), writing without authentication creates znodes anyone can change, which must be chosen.
     *
     * @throws IllegalArgumentException naming both fixes if neither is set
     */
    public void requireWriteChoice() {
        if (authScheme == null && !insecure) {
            throw new IllegalArgumentException(RecordAcl.NO_AUTHENTICATION
                    + ": set ringleader.auth.scheme and ringleader.auth.credentials.env, or pass --insecure (or set"
                    + " RINGLEADER_INSECURE=true or ringleader.insecure=true) to let anyone write the cluster's"
                    + " znodes");
        }
    }

    @Override
    public String toString() {
        return "AdminTarget[" + connectString + path.base()
                + (authScheme == null ? ", insecure" : ", auth " + authScheme) + "]";
    }
}

package io.ringleader.agent.layout;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The ZooKeeper paths of one cluster: the wire contract documented in {@code docs/zookeeper-layout.md}.
 *
 * <p>Everything a cluster owns lives under {@code <root>/<cluster>}, by default {@code /ringleader/<cluster>}.
 *
 * @param root the root namespace, an absolute ZooKeeper path without a trailing slash
 * @param cluster the cluster name
 */
public record ClusterPath(String root, String cluster) {

    /** The default root namespace. */
    public static final String DEFAULT_ROOT = "/ringleader";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern ROOT = Pattern.compile("(/[A-Za-z0-9][A-Za-z0-9._-]*)+");

    /**
     * Validates both parts.
     *
     * @throws IllegalArgumentException if the root is not an absolute path of plain names, or the cluster name is
     *     not a valid name (see {@link #checkName})
     */
    public ClusterPath {
        Objects.requireNonNull(root, "root");
        if (!ROOT.matcher(root).matches()) {
            throw new IllegalArgumentException(
                    "root must be an absolute ZooKeeper path such as /ringleader, was '" + root + "'");
        }
        checkName("cluster", cluster);
    }

    /** The cluster under the default root {@value #DEFAULT_ROOT}. */
    public static ClusterPath of(String cluster) {
        return new ClusterPath(DEFAULT_ROOT, cluster);
    }

    /**
     * Checks a cluster name, member id or zone: 1 to 128 characters of {@code A-Z a-z 0-9 . _ -}, starting with a
     * letter or digit, so that it is a single znode name.
     *
     * @return the name
     * @throws IllegalArgumentException naming {@code what} and the bad value
     */
    public static String checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what
                    + " must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit, was "
                    + (name == null ? "null" : "'" + name + "'"));
        }
        return name;
    }

    /** {@code <root>/<cluster>}. */
    public String base() {
        return root + "/" + cluster;
    }

    /** {@code <root>/<cluster>/members}: one ephemeral child per live member. */
    public String members() {
        return base() + "/members";
    }

    /** {@code <root>/<cluster>/members/<memberId>}. */
    public String member(String memberId) {
        return members() + "/" + checkName("memberId", memberId);
    }

    /**
     * The member id of a path directly below {@link #members()}, or {@code null} if the path is not a member node.
     */
    public String memberIdOf(String path) {
        String prefix = members() + "/";
        if (path == null || !path.startsWith(prefix)) {
            return null;
        }
        String rest = path.substring(prefix.length());
        return rest.isEmpty() || rest.indexOf('/') >= 0 ? null : rest;
    }

    /** {@code <root>/<cluster>/ring}: the ring, written by the active coordinator only. */
    public String ring() {
        return base() + "/ring";
    }

    /**
     * {@code <root>/<cluster>/ring-chunks}: one directory per ring too large for one znode, named by the ring's header
     * ({@code io.ringleader.agent.ring.RingChunks}).
     */
    public String ringChunks() {
        return base() + "/ring-chunks";
    }

    /** {@code <root>/<cluster>/config}: operator intent, written by the admin CLI. */
    public String config() {
        return base() + "/config";
    }

    /** {@code <root>/<cluster>/coordinator}: the coordinators' election. */
    public String coordinator() {
        return base() + "/coordinator";
    }

    /** {@code <root>/<cluster>/elections/<name>}: a named election of the services. */
    public String election(String name) {
        return base() + "/elections/" + checkName("election name", name);
    }

    /** {@code <root>/<cluster>/events}: bounded history. */
    public String events() {
        return base() + "/events";
    }

    /** {@code <root>/<cluster>/suspects}: peer-reported failures. */
    public String suspects() {
        return base() + "/suspects";
    }

    @Override
    public String toString() {
        return base();
    }
}

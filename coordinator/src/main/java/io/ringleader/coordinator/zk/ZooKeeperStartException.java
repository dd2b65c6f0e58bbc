package io.ringleader.coordinator.zk;

import java.util.Objects;

/**
 * Thrown when an {@link EmbeddedZooKeeper} cannot be started. The message is one line that names
 * the problem (the port, the address or the path); {@link #reason()} lets a caller add its own fix,
 * such as the command-line flag to change.
 */
public final class ZooKeeperStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the server did not start. */
    public enum Reason {
        /** Another process (or another server in this JVM) listens on the port. */
        PORT_IN_USE,
        /** The bind address does not belong to this machine. */
        ADDRESS_NOT_LOCAL,
        /** The data directory cannot be created or written. */
        DATA_DIR_UNUSABLE,
        /** Another embedded server holds the data directory's lock. */
        DATA_DIR_LOCKED,
        /** The server did not accept connections before the start timeout. */
        TIMED_OUT,
        /** The server failed in some other way while starting. */
        FAILED
    }

    private final Reason reason;

    ZooKeeperStartException(Reason reason, String message) {
        this(reason, message, null);
    }

    ZooKeeperStartException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Returns why the server did not start; never null. */
    public Reason reason() {
        return reason;
    }
}

package io.ringleader.coordinator.admin;

/**
 * An admin operation that could not be done. The message is one line that names the problem and what to do; when
 * the operation would have written something, nothing was written.
 */
public final class AdminException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Whose fault it was. */
    public enum Kind {
        /** The operation failed against the cluster: unreachable, no such cluster or member, a conflict. */
        FAILED,
        /** The input was bad: an unreadable or invalid file, a value out of range. */
        BAD_INPUT
    }

    private final Kind kind;

    private AdminException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** A failed operation; {@code message} is one line naming the problem and the fix. */
    public static AdminException failed(String message) {
        return new AdminException(Kind.FAILED, message, null);
    }

    /** A failed operation with the underlying cause. */
    public static AdminException failed(String message, Throwable cause) {
        return new AdminException(Kind.FAILED, message, cause);
    }

    /** Bad input; {@code message} is one line naming the bad value and the fix. */
    public static AdminException badInput(String message) {
        return new AdminException(Kind.BAD_INPUT, message, null);
    }

    /** Bad input with the underlying cause. */
    public static AdminException badInput(String message, Throwable cause) {
        return new AdminException(Kind.BAD_INPUT, message, cause);
    }

    /** Whose fault it was. */
    public Kind kind() {
        return kind;
    }
}

package io.ringleader.coordinator.cli;

/**
 * Thrown by a command when it cannot do its job for a reason the user can fix. {@link RingleaderMain}
 * prints the message as one line on stderr, without a stack trace, and exits with {@link #EXIT_CODE}.
 * The message names the problem and the fix, e.g. {@code port 2181 on 127.0.0.1 is already in use;
 * stop the other server or choose another --port}.
 */
public final class CommandFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The exit code of a command that failed at run time. */
    public static final int EXIT_CODE = 1;

    /** Creates the exception; {@code message} is one line that names the problem and the fix. */
    public CommandFailedException(String message) {
        super(message);
    }

    /** Creates the exception with the underlying cause, which is logged at DEBUG only. */
    public CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}

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

    /** The exit code of a command given a bad value that only running it could find. */
    public static final int USAGE_EXIT_CODE = 2;

    private final int exitCode;

    /** Creates the exception; {@code message} is one line that names the problem and the fix. */
    public CommandFailedException(String message) {
        this(message, null, EXIT_CODE);
    }

    /** Creates the exception with the underlying cause, which is logged at DEBUG only. */
    public CommandFailedException(String message, Throwable cause) {
        this(message, cause, EXIT_CODE);
    }

    private CommandFailedException(String message, Throwable cause, int exitCode) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A bad value found at run time (exit {@link #USAGE_EXIT_CODE}); {@code message} names it and the fix. */
    public static CommandFailedException usage(String message) {
        return new CommandFailedException(message, null, USAGE_EXIT_CODE);
    }

    /** The exit code: {@link #EXIT_CODE}, or {@link #USAGE_EXIT_CODE} for a bad value. */
    public int exitCode() {
        return exitCode;
    }
}

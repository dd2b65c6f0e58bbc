package io.ringleader.samples.kv.check;

import java.io.IOException;

/** A history file with a line that is not an operation. The message names the file, the line and the problem. */
public final class MalformedHistoryException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Line {@code line} of {@code source} is not an operation because of {@code problem}. */
    public MalformedHistoryException(String source, int line, String problem, Throwable cause) {
        super(source + " line " + line + ": " + problem, cause);
    }
}

package io.ringleader.agent.layout;

/**
 * A znode's content that a reader cannot accept: not JSON, a missing or invalid field, or a format version this
 * reader does not know. The message names the path and the problem; readers keep their last good state.
 */
public final class MalformedRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A record at {@code path} that cannot be read because of {@code problem}. */
    public MalformedRecordException(String path, String problem) {
        super(path + ": " + problem);
    }
}

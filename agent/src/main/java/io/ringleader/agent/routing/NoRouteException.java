package io.ringleader.agent.routing;

/**
 * No member can take a key right now: no ring has been read yet, or no replica of the key's slot is present and
 * UP. Unchecked, because a caller can do nothing better than fail the request or try again later.
 *
 * <p>The message names the slot and the ring epoch, never the key (keys may be personal data).
 */
public final class NoRouteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int slot;

    NoRouteException(int slot, String message) {
        super(message);
        this.slot = slot;
    }

    /** The slot that has no primary, or -1 if there is no ring yet (or no member at all for a keyless pick). */
    public int slot() {
        return slot;
    }
}

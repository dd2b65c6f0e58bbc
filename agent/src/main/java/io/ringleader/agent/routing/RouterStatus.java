package io.ringleader.agent.routing;

import java.util.Optional;

/**
 * Where the router's ring stands, for health checks and status lines.
 *
 * @param ringEpoch the epoch of the ring the router serves, or -1 if it has read none
 * @param ringZxid the {@code mzxid} of the ring znode the served ring was read from, or 0 if none
 * @param problem why the served ring may not be the one in ZooKeeper, or {@code null}: the ring znode is absent,
 *     deleted, unreadable (the message names the path and the problem), or older than the served ring
 * @param current whether the router is connected and has read the ring znode since it (re)connected; while
 *     {@code false} the served ring is the last one seen and may have changed since
 */
public record RouterStatus(long ringEpoch, long ringZxid, String problem, boolean current) {

    /** Whether a ring has been read. */
    public boolean hasRing() {
        return ringEpoch >= 0;
    }

    /** The problem, if any. */
    public Optional<String> problemIfAny() {
        return Optional.ofNullable(problem);
    }

    /** Whether the router serves a ring, is current, and has no problem to report. */
    public boolean isHealthy() {
        return hasRing() && current && problem == null;
    }

    @Override
    public String toString() {
        return "RouterStatus{epoch=" + ringEpoch + ", zxid=0x" + Long.toHexString(ringZxid) + ", current=" + current
                + (problem == null ? "" : ", problem=" + problem) + "}";
    }
}

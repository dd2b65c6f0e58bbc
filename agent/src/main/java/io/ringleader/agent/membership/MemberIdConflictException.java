package io.ringleader.agent.membership;

/** Another live ZooKeeper session already holds the member id this agent was given. */
public final class MemberIdConflictException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The id {@code memberId} is held by session {@code ownerSession}. */
    public MemberIdConflictException(String memberId, long ownerSession, String path) {
        super("member id '" + memberId + "' is already registered by another live session (0x"
                + Long.toHexString(ownerSession) + ") at " + path
                + ": give this agent another member id, or stop the other one (a crashed process's id is free"
                + " again once its session times out)");
    }
}

package io.ringleader.agent.membership;

/** Where an agent's own member record stands in ZooKeeper. */
public enum RegistrationState {
    /** An observer follows the view and never registers. */
    OBSERVER,
    /**
     * Not yet created, or being re-created: under a new session, after someone deleted it, or while the id is held
     * by a session that may be a crashed predecessor's (waited for during one session timeout).
     */
    REGISTERING,
    /** The record is live under the current session. */
    REGISTERED,
    /**
     * The connection is suspended: the record may still be live (the session has not expired yet) or gone. A
     * service should not act on roles until the state is {@link #REGISTERED} again.
     */
    SUSPENDED,
    /**
     * The session is lost: the record is gone or going. It is re-created once a new session connects and the old
     * record is gone.
     */
    LOST,
    /**
     * Another session held this member id for longer than a session timeout: it is live. Terminal: the agent does
     * not steal it.
     */
    CONFLICT,
    /** The agent is closed and its record deleted. */
    CLOSED
}

package io.ringleader.agent.membership;

/** Where an agent's own member record stands in ZooKeeper. */
public enum RegistrationState {
    /** An observer follows the view and never registers. */
    OBSERVER,
    /** Not yet created, or being re-created under a new session. */
    REGISTERING,
    /** The record is live under the current session. */
    REGISTERED,
    /**
     * The connection is suspended: the record may still be live (the session has not expired yet) or gone. A
     * service should not act on roles until the state is {@link #REGISTERED} again.
     */
    SUSPENDED,
    /** The session is lost: the record is gone or going. It is re-created as soon as a new session connects. */
    LOST,
    /** Another live session holds this member id. Terminal: the agent does not steal it. */
    CONFLICT,
    /** The agent is closed and its record deleted. */
    CLOSED
}

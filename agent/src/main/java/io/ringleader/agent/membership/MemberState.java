package io.ringleader.agent.membership;

/** The state a member declares in its record. */
public enum MemberState {
    /** Present but catching up: never primary of a slot (cold standby). */
    JOINING,
    /** Serving: eligible for every role it is assigned. */
    UP,
    /** Handing its primary roles away before a planned stop. */
    DRAINING,
    /** An N+1 spare: holds no slots until a member fails. */
    SPARE,
    /** Failing its own health check: present, keeps its slots, but primary of none until it is UP again. */
    DOWN
}

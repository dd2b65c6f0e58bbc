package io.ringleader.agent.routing;

/** Whether a call only reads or may change a key's data; decides where a {@link Caller} may retry it. */
public enum CallKind {
    /**
     * Reads: may go to any present and UP replica of the key's slot; when the primary fails, the next replica in
     * ring order is tried (if the policy allows read fallback).
     */
    READ,

    /**
     * Writes: go only to the key's primary, with the epoch of the routing table that named it; a retry goes only to
     * the primary of the table current at that moment, and never again to a member that refused the same epoch.
     */
    WRITE
}

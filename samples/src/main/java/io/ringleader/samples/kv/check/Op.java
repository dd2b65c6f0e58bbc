package io.ringleader.samples.kv.check;

import java.util.Objects;

/**
 * One operation of a history, as a client saw it.
 *
 * <p>Times are {@link System#nanoTime()} readings of one JVM, so operations of different processes compare. For an
 * {@link Outcome#UNKNOWN} operation {@code completeNanos} is when the client gave up; the checker treats a write of
 * unknown outcome as possibly taking effect at any time after its invocation.
 *
 * @param process the client that issued it; one process issues one operation at a time
 * @param type what it did
 * @param key the key
 * @param value for a PUT the value written; for a GET the value read, {@code null} meaning absent (or unknown, if the
 *     GET did not succeed); for a DELETE {@code null}
 * @param invokeNanos when the client invoked it
 * @param completeNanos when the client learned its outcome, not before {@code invokeNanos}
 * @param outcome what the client learned
 * @param error the client's error for a FAIL or UNKNOWN operation, {@code null} for OK
 */
public record Op(
        int process,
        OpType type,
        String key,
        String value,
        long invokeNanos,
        long completeNanos,
        Outcome outcome,
        String error) {

    /**
     * Validates the operation.
     *
     * @throws NullPointerException if {@code type}, {@code key} or {@code outcome} is null, or a PUT's value is null
     * @throws IllegalArgumentException if {@code completeNanos < invokeNanos}, or a DELETE carries a value
     */
    public Op {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
        if (type == OpType.PUT) {
            Objects.requireNonNull(value, "value of a PUT");
        }
        if (type == OpType.DELETE && value != null) {
            throw new IllegalArgumentException("a DELETE carries no value, was '" + value + "'");
        }
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException(
                    "completeNanos must not be before invokeNanos, was " + completeNanos + " < " + invokeNanos);
        }
    }

    /** Whether the operation changes the key: a PUT or a DELETE. */
    public boolean isWrite() {
        return type.isWrite();
    }

    /** The operation's latency, completion minus invocation. */
    public long latencyNanos() {
        return completeNanos - invokeNanos;
    }
}

package io.ringleader.agent.routing;

import java.io.Closeable;

/**
 * Calls the member that owns a key, with a per-attempt timeout, retries with backoff under a retry budget, read
 * fallback to the next replica and a circuit per member, as its {@link CallPolicy} says. Get one with {@link
 * Router#caller(CallPolicy)}; it reads the router's current table on every attempt, so it follows takeovers by
 * itself.
 *
 * <pre>{@code
 * try (Caller caller = agent.router().caller(CallPolicy.defaults())) {
 *     byte[] value = caller.call("customer-42", CallKind.READ, (member, epoch) -> client(member).get("customer-42"));
 *     caller.call("customer-42", CallKind.WRITE, (member, epoch) -> client(member).put("customer-42", v, epoch));
 * }
 * }</pre>
 *
 * <p>Where attempts go:
 *
 * <ul>
 *   <li>a READ goes first to the key's primary; after a failure, to the next present and UP replica in ring order
 *       that this call has not tried yet and whose circuit lets it through, at once; when every replica was tried,
 *       to the primary again after a backoff. Without read fallback, as a WRITE but without the epoch rule.
 *   <li>a WRITE goes to the key's primary with the epoch of the table that named it. Before a retry the caller waits
 *       a backoff and routes again: if the primary changed or the epoch moved, the retry goes only to the new
 *       primary at the new epoch, never to the previous member at the old one. A write refused with {@link
 *       StaleEpochException} is never sent again to the same member at the same epoch: if routing has not moved
 *       by the time of the retry, the refusal is surfaced.
 * </ul>
 *
 * <p>Every retry needs the retry budget; a refused retry surfaces the failure. Writes must be idempotent at an
 * epoch (carry a request id) if more than one attempt is allowed, since a timed-out attempt may have been applied.
 *
 * <p>Each retry, fallback and circuit change is logged at DEBUG, naming the slot and the member, never the key.
 */
public interface Caller extends Closeable {

    /**
     * Calls {@code op} for {@code key} until an attempt succeeds or the policy says stop.
     *
     * @return the first successful attempt's answer
     * @throws NoRouteException if no ring has been read or the key's slot has no primary when the call starts or
     *     is retried
     * @throws CircuitOpenException if every member the attempt could go to has an open circuit
     * @throws java.util.concurrent.TimeoutException if the last attempt timed out; the message names the member
     * @throws InterruptedException if the calling thread was interrupted (the attempt in flight is interrupted too)
     * @throws IllegalStateException if the caller is closed
     * @throws Exception the last attempt's failure as the op threw it; earlier attempts' failures are attached as
     *     {@link Throwable#getSuppressed() suppressed}
     */
    <T> T call(String key, CallKind kind, Call<T> op) throws Exception;

    /** The policy. */
    CallPolicy policy();

    /** The counters so far; never null. */
    CallStats stats();

    /** Stops the caller's pool, interrupting attempts in flight; later calls throw. Idempotent. */
    @Override
    void close();
}

package io.ringleader.agent.routing;

/**
 * What a {@link Caller} has done since it was created: a snapshot of monotonic counters.
 *
 * @param calls calls made through {@link Caller#call}
 * @param attempts attempts sent to a member (the first attempt of each call included)
 * @param retries attempts after the first of their call, fallbacks included
 * @param fallbacks read attempts sent to a replica that is not the key's primary
 * @param timeouts attempts that did not finish within the per-attempt timeout
 * @param budgetRefusals retries not made because the retry budget was spent
 * @param circuitOpens times a member's circuit opened (from closed or from half-open)
 */
public record CallStats(
        long calls,
        long attempts,
        long retries,
        long fallbacks,
        long timeouts,
        long budgetRefusals,
        long circuitOpens) {}

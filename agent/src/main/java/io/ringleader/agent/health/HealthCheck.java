package io.ringleader.agent.health;

/**
 * The service's own view of its health, run by the agent on an interval: a member whose check fails is marked
 * {@code DOWN} (it keeps its slots but is primary of none) and {@code UP} again once it passes.
 */
@FunctionalInterface
public interface HealthCheck {

    /**
     * Whether the service can serve now. Throwing counts as unhealthy.
     *
     * @throws Exception when the check itself fails
     */
    boolean healthy() throws Exception;
}

package io.ringleader.coordinator.http;

import io.ringleader.coordinator.Coordinator;

/**
 * What the coordinator process that runs the HTTP server says of itself, for {@code /health} and
 * {@code /api/status}.
 *
 * @param id the coordinator's id
 * @param running whether it has started and not stopped
 * @param connected whether its own ZooKeeper session is connected and its view of the members current
 * @param active whether it is the active coordinator now
 */
public record CoordinatorHealth(String id, boolean running, boolean connected, boolean active) {

    /** What {@code coordinator} says now, {@code running} as its owner knows it. */
    public static CoordinatorHealth of(Coordinator coordinator, boolean running) {
        return new CoordinatorHealth(
                coordinator.config().coordinatorId(),
                running,
                running && coordinator.members().isCurrent(),
                running && coordinator.isActive());
    }
}

package io.ringleader.coordinator.admin;

import io.ringleader.agent.ring.Ring;
import io.ringleader.coordinator.OperatorConfig;

/**
 * What {@link ClusterAdmin#restore} wrote, or would write in a dry run.
 *
 * @param configBefore the config the cluster had, or null if none (or it could not be parsed)
 * @param configAfter the config written
 * @param ringBefore the ring the cluster had, or null if none (or it could not be parsed)
 * @param ringAfter the ring written, with its new epoch, or null if the ring was not restored
 * @param ringNote why the ring was not restored, or null if it was
 * @param fromCluster the cluster the backup was exported from
 * @param written false for a dry run
 */
public record Restore(
        OperatorConfig configBefore,
        OperatorConfig configAfter,
        Ring ringBefore,
        Ring ringAfter,
        String ringNote,
        String fromCluster,
        boolean written) {}

package io.ringleader.coordinator.admin;

import io.ringleader.coordinator.OperatorConfig;

/**
 * The outcome of {@link ClusterAdmin#updateConfig}.
 *
 * @param before the config the change was applied to (empty if there was none)
 * @param after the config now stored
 * @param version the config znode's version now
 * @param changed whether anything was written; false if the change left the config as it was
 */
public record ConfigUpdate(OperatorConfig before, OperatorConfig after, int version, boolean changed) {}

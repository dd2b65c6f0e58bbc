package io.ringleader.coordinator.cli.admin;

/**
 * An admin command that only reads the cluster: it creates nothing, so it needs neither authentication nor {@code
 * --insecure}.
 */
abstract class ReadTask extends AdminTask {
    @Override
    final boolean writes() {
        return false;
    }
}

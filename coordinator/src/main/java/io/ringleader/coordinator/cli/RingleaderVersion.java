package io.ringleader.coordinator.cli;

import picocli.CommandLine.IVersionProvider;

/** Answers {@code --version}: the jar's Implementation-Version, or {@code dev} when run from classes. */
final class RingleaderVersion implements IVersionProvider {

    /** Returns the version of this build, {@code dev} when it is not packaged. */
    static String version() {
        String version = RingleaderVersion.class.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? "dev" : version;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "ringleader " + version(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")"
        };
    }
}

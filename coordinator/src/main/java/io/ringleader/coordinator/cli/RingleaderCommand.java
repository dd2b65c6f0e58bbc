package io.ringleader.coordinator.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code ringleader} command. It does nothing by itself: without a subcommand it prints
 * its usage to stderr and exits with 2. Subcommands are added by {@link RingleaderMain#commandLine}.
 */
@Command(
        name = "ringleader",
        mixinStandardHelpOptions = true,
        versionProvider = RingleaderVersion.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Ringleader: coordination for Java services on Apache ZooKeeper.",
        commandListHeading = "%nCommands:%n",
        footer = {"", "Run 'ringleader COMMAND --help' for a command's options."})
public final class RingleaderCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("Missing command.");
        spec.commandLine().usage(spec.commandLine().getErr());
        return spec.exitCodeOnInvalidInput();
    }
}

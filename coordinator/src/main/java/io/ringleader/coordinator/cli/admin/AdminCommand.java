package io.ringleader.coordinator.cli.admin;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ringleader admin}: see and steer a cluster. Without a subcommand it prints its usage to stderr and exits
 * with 2. The reference, with every {@code --json} field, is {@code docs/admin.md}.
 */
@Command(
        name = "admin",
        description = "See and steer a cluster: its members, ring and primaries, the operator config, and its history.",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        subcommands = {
            StatusCommand.class,
            MembersCommand.class,
            RingCommand.class,
            RouteCommand.class,
            PrimariesCommand.class,
            DrainCommand.class,
            UndrainCommand.class,
            SpareCommand.class,
            UnspareCommand.class,
            WeightCommand.class,
            RebalanceDelayCommand.class,
            RebalanceCommand.class,
            FailoverCommand.class,
            FailbackCommand.class,
            ExportCommand.class,
            ImportCommand.class,
            EventsCommand.class
        },
        footer = {
            "",
            "Every command takes --zk and --cluster (else the environment variables",
            "RINGLEADER_ZK and RINGLEADER_CLUSTER, else conf/ringleader.properties),",
            "--json and --verbose.",
            "Exit codes: 0 success, 1 the operation failed, 2 bad usage.",
            "Run 'ringleader admin COMMAND --help' for a command's options."
        })
public final class AdminCommand implements Callable<Integer> {
    /** The properties file read when {@code --config} is not given, if it exists. */
    public static final String DEFAULT_CONFIG_NAME = "conf/ringleader.properties";

    @Spec
    CommandSpec spec;

    private final Function<String, String> env;
    private final Path defaultConfig;

    /** The command reading the process environment and {@value #DEFAULT_CONFIG_NAME} in the working directory. */
    public AdminCommand() {
        this(System::getenv, Path.of(DEFAULT_CONFIG_NAME));
    }

    /** The command reading settings from {@code env} and {@code defaultConfig} (tests). */
    AdminCommand(Function<String, String> env, Path defaultConfig) {
        this.env = Objects.requireNonNull(env, "env");
        this.defaultConfig = Objects.requireNonNull(defaultConfig, "defaultConfig");
    }

    Function<String, String> env() {
        return env;
    }

    Path defaultConfig() {
        return defaultConfig;
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("Missing command.");
        spec.commandLine().usage(spec.commandLine().getErr());
        return spec.exitCodeOnInvalidInput();
    }
}

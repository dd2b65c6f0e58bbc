package io.ringleader.coordinator.cli;

import io.ringleader.coordinator.cli.admin.AdminCommand;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the {@code ringleader} command line.
 *
 * <p>Exit codes: 0 success, 1 failure at run time ({@link CommandFailedException} or an unexpected
 * error), 2 bad usage (unknown option, bad or out-of-range value, missing command). Errors are one
 * line on stderr, never a stack trace; a usage error ends with {@code Try 'ringleader zk --help'.}
 *
 * <p>Another module adds its own commands in one line, e.g. the distribution's main:
 * {@code System.exit(RingleaderMain.run(List.of(new DemoCommand()), args))}.
 */
public final class RingleaderMain {
    private static final Logger LOG = LoggerFactory.getLogger(RingleaderMain.class);

    private RingleaderMain() {}

    /** Runs the command line and exits the JVM with its exit code. */
    public static void main(String... args) {
        System.exit(run(args));
    }

    /** Runs {@code ringleader args...} with the built-in commands and returns the exit code. */
    public static int run(String... args) {
        return run(List.of(), args);
    }

    /**
     * Runs {@code ringleader args...} with the built-in commands plus {@code extraSubcommands} (picocli
     * command objects, classes or {@link CommandLine}s) and returns the exit code.
     */
    public static int run(List<?> extraSubcommands, String... args) {
        return commandLine(extraSubcommands.toArray()).execute(args);
    }

    /**
     * Builds the {@code ringleader} command line: the built-in commands ({@code zk}, {@code coordinator}, {@code
     * admin}) plus {@code extraSubcommands}; an {@link AdminCommand} among them replaces the built-in one. Every command gets {@code --help} and {@code --version}, one-line usage errors
     * (exit 2) and one-line run-time errors (exit 1). Redirect output with {@link
     * CommandLine#setOut}/{@link CommandLine#setErr} before {@link CommandLine#execute}.
     *
     * @throws picocli.CommandLine.DuplicateNameException if two commands share a name
     */
    public static CommandLine commandLine(Object... extraSubcommands) {
        return commandLine(new ZkCommand(), extraSubcommands);
    }

    static CommandLine commandLine(ZkCommand zk, Object... extraSubcommands) {
        return commandLine(zk, new CoordinatorCommand(), extraSubcommands);
    }

    static CommandLine commandLine(ZkCommand zk, CoordinatorCommand coordinator, Object... extraSubcommands) {
        CommandLine cli = new CommandLine(new RingleaderCommand());
        cli.addSubcommand(zk);
        cli.addSubcommand(coordinator);
        if (Arrays.stream(extraSubcommands).noneMatch(AdminCommand.class::isInstance)) {
            cli.addSubcommand(new AdminCommand());
        }
        for (Object extra : extraSubcommands) {
            cli.addSubcommand(Objects.requireNonNull(extra, "extra subcommand"));
        }
        standardOptionsEverywhere(cli);
        cli.setParameterExceptionHandler(RingleaderMain::onUsageError);
        cli.setExecutionExceptionHandler(RingleaderMain::onFailure);
        return cli;
    }

    private static void standardOptionsEverywhere(CommandLine cli) {
        CommandSpec spec = cli.getCommandSpec();
        if (spec.optionsMap().get("--help") == null && spec.optionsMap().get("--version") == null) {
            spec.mixinStandardHelpOptions(true);
        }
        if (spec.versionProvider() == null) {
            spec.versionProvider(new RingleaderVersion());
        }
        cli.getSubcommands().values().forEach(RingleaderMain::standardOptionsEverywhere);
    }

    private static int onUsageError(ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        String message = describe(e);
        String sentence = message.endsWith(".") ? message : message + ".";
        PrintWriter err = cli.getErr();
        err.println(sentence + " Try '" + cli.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return cli.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Names the first bad argument only: the rest of the line is usually its value. */
    private static String describe(ParameterException e) {
        if (e instanceof UnmatchedArgumentException unmatched
                && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().get(0);
            if (first.startsWith("-")) {
                return "Unknown option: '" + first + "'";
            }
            boolean hasCommands = !e.getCommandLine().getSubcommands().isEmpty();
            return (hasCommands ? "Unknown command: '" : "Unexpected argument: '") + first + "'";
        }
        return e.getMessage() == null ? "Invalid usage" : e.getMessage().strip();
    }

    private static int onFailure(Exception e, CommandLine cli, ParseResult parseResult) {
        PrintWriter err = cli.getErr();
        if (e instanceof CommandFailedException failed) {
            LOG.debug("{} failed", cli.getCommandSpec().qualifiedName(), e);
            err.println(e.getMessage());
            err.flush();
            return failed.exitCode();
        }
        LOG.debug("{} failed unexpectedly", cli.getCommandSpec().qualifiedName(), e);
        err.println(cli.getCommandSpec().qualifiedName() + " failed unexpectedly: " + e
                + " (set logger io.ringleader to DEBUG for the stack trace)");
        err.flush();
        return cli.getCommandSpec().exitCodeOnExecutionException();
    }
}

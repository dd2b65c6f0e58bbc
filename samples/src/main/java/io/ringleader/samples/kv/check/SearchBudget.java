package io.ringleader.samples.kv.check;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The {@code --max-states} option of the commands that check a history. */
final class SearchBudget {
    @Option(
            names = "--max-states",
            paramLabel = "N",
            defaultValue = "" + LinearizabilityChecker.DEFAULT_MAX_STATES_PER_KEY,
            description = "Search budget per key; past it the key is undecided (default: ${DEFAULT-VALUE}).")
    long maxStates;

    /**
     * The checker with this budget.
     *
     * @throws ParameterException if {@code --max-states} is below 1
     */
    LinearizabilityChecker checker(CommandSpec spec) {
        if (maxStates < 1) {
            throw new ParameterException(spec.commandLine(), "--max-states must be at least 1, was " + maxStates);
        }
        return new LinearizabilityChecker(maxStates);
    }
}

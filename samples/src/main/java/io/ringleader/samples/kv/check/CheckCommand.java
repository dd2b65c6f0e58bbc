package io.ringleader.samples.kv.check;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Checks a history that {@code kv-load --history} wrote: prints the {@link Verdict} and exits 0 if it passed, 1 if
 * not, 2 if the file is missing or not a history.
 */
@Command(
        name = "kv-check",
        mixinStandardHelpOptions = true,
        description = {
            "Check a recorded key-value history offline: every key linearizable, every acknowledged write read back.",
            "Exit codes: 0 passed, 1 an anomaly (or a key undecided or unverified), 2 bad usage or an unreadable file."
        })
public final class CheckCommand implements Callable<Integer> {
    /** The exit code of a missing or unreadable history. */
    static final int BAD_INPUT = 2;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--history",
            paramLabel = "FILE",
            required = true,
            description = "The history, JSON lines as kv-load --history writes them.")
    Path history;

    @Mixin
    SearchBudget budget = new SearchBudget();

    @Override
    public Integer call() {
        LinearizabilityChecker checker = budget.checker(spec);
        PrintWriter err = spec.commandLine().getErr();
        History ops;
        try {
            ops = History.read(history);
        } catch (NoSuchFileException e) {
            return badInput(err, "no such file: " + history);
        } catch (AccessDeniedException e) {
            return badInput(err, "cannot read " + history + ": permission denied");
        } catch (MalformedHistoryException e) {
            return badInput(err, e.getMessage());
        } catch (IOException e) {
            return badInput(err, "cannot read " + history + ": " + e.getMessage());
        }
        if (ops.size() == 0) {
            return badInput(err, history + " holds no operations");
        }
        Verdict verdict = checker.check(ops);
        PrintWriter out = spec.commandLine().getOut();
        out.println(verdict.summary());
        out.flush();
        return verdict.ok() ? 0 : 1;
    }

    private int badInput(PrintWriter err, String problem) {
        err.println(spec.qualifiedName() + ": " + problem);
        err.flush();
        return BAD_INPUT;
    }
}

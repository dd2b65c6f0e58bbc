package io.ringleader.samples.kv.check;

import io.ringleader.coordinator.cli.CommandFailedException;
import io.ringleader.coordinator.cli.DurationConverter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Runs the {@link LoadGenerator} against a key-value store, checks the history with the {@link
 * LinearizabilityChecker}, prints the {@link Verdict} and exits 0 if it passed, 1 if not.
 *
 * <p>The command does not know how to reach a store: its constructor takes a function from {@code --target} (and
 * {@code --insecure}) to a {@link KvClient.Factory}. If that factory is also {@link AutoCloseable}, it is closed after the run, so it can hold
 * what the clients share (a connection pool, a routing table).
 *
 * <p>Ctrl-C ends the load early; the final reads, the check and the verdict still happen before the JVM exits.
 */
@Command(
        name = "kv-load",
        mixinStandardHelpOptions = true,
        description = {
            "Drive a key-value store with concurrent clients, record every operation, then read back every key"
                    + " written and check the history: every key linearizable, every acknowledged write still there.",
            "Prints operations, errors, latencies and the verdict. Exit codes: 0 passed, 1 an anomaly, 2 bad usage."
        })
public final class LoadCommand implements Callable<Integer> {
    private static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Option(
            names = "--target",
            paramLabel = "TARGET",
            description = "Where the store is, handed as is to the client factory.")
    String target;

    @Option(
            names = "--workers",
            paramLabel = "N",
            defaultValue = "8",
            description = "Concurrent clients, 1 to 1024 (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(
            names = "--keys",
            paramLabel = "N",
            defaultValue = "100",
            description = "Keys to pick from; fewer keys, more contention (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long the load runs (default: 30s, or until --ops if that is given).")
    Duration duration;

    @Option(names = "--ops", paramLabel = "N", description = "Stop after this many operations.")
    Long operations;

    @Option(
            names = "--read-ratio",
            paramLabel = "R",
            defaultValue = "0.5",
            description = "Share of GETs, 0 to 1 (default: ${DEFAULT-VALUE}).")
    double readRatio;

    @Option(
            names = "--delete-ratio",
            paramLabel = "R",
            defaultValue = "0.1",
            description = "Share of DELETEs, 0 to 1; PUTs are the rest (default: ${DEFAULT-VALUE}).")
    double deleteRatio;

    @Option(
            names = "--rate",
            paramLabel = "OPS",
            description = "At most this many operations a second, all clients together (default: unlimited).")
    Double rate;

    @Option(
            names = "--seed",
            paramLabel = "N",
            description = "Seed of the random choices, to repeat a run (default: random, printed).")
    Long seed;

    @Option(
            names = "--history",
            paramLabel = "FILE",
            description = "Also write the history here, JSON lines, for kv-check.")
    Path history;

    @Option(
            names = "--final-read-deadline",
            paramLabel = "DURATION",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long the final reads may retry (default: ${DEFAULT-VALUE}).")
    Duration finalReadDeadline;

    @Option(
            names = "--insecure",
            description = "Let the clients reach the store without ZooKeeper authentication (their ZooKeeper znodes"
                    + " writable by anyone), as the key-value sample's client needs on a cluster without it.")
    boolean insecure;

    @Mixin
    SearchBudget budget = new SearchBudget();

    private final BiFunction<String, Boolean, KvClient.Factory> clients;

    /** A command without a client: running it fails with one line that says so. */
    public LoadCommand() {
        this((target, insecure) -> {
            throw new CommandFailedException("kv-load: this build has no key-value client");
        });
    }

    /**
     * A command whose clients come from {@code clients}, given the {@code --target} value (null if not given) and
     * whether {@code --insecure} was passed, e.g. {@code new LoadCommand((target, insecure) -> process -> new
     * HttpKvClient(URI.create(target)))}.
     */
    public LoadCommand(BiFunction<String, Boolean, KvClient.Factory> clients) {
        this.clients = Objects.requireNonNull(clients, "clients");
    }

    @Override
    public Integer call() throws Exception {
        validate();
        LinearizabilityChecker checker = budget.checker(spec);
        KvClient.Factory factory = Objects.requireNonNull(clients.apply(target, insecure), "the client factory");
        try {
            return run(factory, checker);
        } finally {
            if (factory instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }

    private int run(KvClient.Factory factory, LinearizabilityChecker checker) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LoadGenerator.Builder builder = LoadGenerator.builder()
                .clients(factory)
                .workers(workers)
                .keys(keys)
                .readRatio(readRatio)
                .deleteRatio(deleteRatio)
                .finalReadDeadline(finalReadDeadline);
        if (duration != null || operations == null) {
            builder.duration(duration == null ? DEFAULT_DURATION : duration);
        }
        if (operations != null) {
            builder.operations(operations);
        }
        if (rate != null) {
            builder.rate(rate);
        }
        if (seed != null) {
            builder.seed(seed);
        }
        CountDownLatch finished = new CountDownLatch(1);
        try (LoadGenerator generator = builder.build()) {
            Thread hook = new Thread(
                    () -> {
                        generator.stop();
                        awaitQuietly(finished, finalReadDeadline.plusSeconds(30));
                    },
                    "ringleader-kv-load-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                say(
                        out,
                        String.format(
                                Locale.ROOT,
                                "%s: %d workers on %d keys (%s0 to %s%d), %s, seed %d%s",
                                spec.qualifiedName(),
                                workers,
                                keys,
                                generator.keyPrefix(),
                                generator.keyPrefix(),
                                keys - 1,
                                describeLength(),
                                generator.seed(),
                                target == null ? "" : ", target " + target));
                generator.start();
                long started = System.nanoTime();
                while (!generator.awaitStop(PROGRESS_EVERY)) {
                    say(
                            out,
                            String.format(
                                    Locale.ROOT,
                                    "[%3d s] %d operations",
                                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started),
                                    generator.history().size()));
                }
                return report(out, generator.history(), checker);
            } catch (IOException e) {
                throw new CommandFailedException(spec.qualifiedName() + ": " + e.getMessage(), e);
            } finally {
                finished.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // Already shutting down: the hook is running and waits for the count-down above.
                }
            }
        }
    }

    private int report(PrintWriter out, History recorded, LinearizabilityChecker checker) {
        if (history != null) {
            try {
                recorded.write(history);
                say(out, "history: " + recorded.size() + " operations written to " + history);
            } catch (IOException e) {
                spec.commandLine()
                        .getErr()
                        .println(spec.qualifiedName() + ": cannot write the history to " + history + ": " + e);
            }
        }
        Verdict verdict = checker.check(recorded);
        say(out, verdict.summary());
        return verdict.ok() ? 0 : 1;
    }

    private String describeLength() {
        if (operations != null && duration == null) {
            return operations + " operations";
        }
        Duration length = duration == null ? DEFAULT_DURATION : duration;
        String time = length.toMillis() % 1000 == 0 ? length.toSeconds() + " s" : length.toMillis() + " ms";
        return operations == null ? time : operations + " operations or " + time;
    }

    private void validate() {
        check(workers >= 1 && workers <= 1024, "--workers must be between 1 and 1024, was " + workers);
        check(keys >= 1, "--keys must be at least 1, was " + keys);
        check(readRatio >= 0 && readRatio <= 1, "--read-ratio must be between 0 and 1, was " + readRatio);
        check(deleteRatio >= 0 && deleteRatio <= 1, "--delete-ratio must be between 0 and 1, was " + deleteRatio);
        check(
                readRatio + deleteRatio <= 1,
                "--read-ratio plus --delete-ratio must be at most 1, was " + readRatio + " + " + deleteRatio);
        check(
                duration == null || !duration.isNegative() && !duration.isZero(),
                "--duration must be positive, was " + duration);
        check(operations == null || operations >= 1, "--ops must be at least 1, was " + operations);
        check(rate == null || rate > 0 && rate <= 1e9, "--rate must be between 0 and 1e9, was " + rate);
        check(!finalReadDeadline.isNegative(), "--final-read-deadline must not be negative, was " + finalReadDeadline);
    }

    private void check(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    private static void say(PrintWriter out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    private static void awaitQuietly(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

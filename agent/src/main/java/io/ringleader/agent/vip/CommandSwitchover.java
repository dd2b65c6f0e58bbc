package io.ringleader.agent.vip;

import io.ringleader.agent.membership.Member;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SwitchoverAction} that runs an external command, without a shell, with three arguments appended: the old
 * master as {@code host:port} ({@code -} when none), the new master as {@code host:port}, and the epoch in decimal.
 *
 * <pre>{@code
 * // runs: /usr/local/bin/move-ip eth0 10.0.0.7:7001 10.0.0.8:7001 4295032833
 * CommandSwitchover.builder(List.of("/usr/local/bin/move-ip", "eth0")).timeout(Duration.ofSeconds(20)).build();
 * }</pre>
 *
 * <p>The command's standard output is logged line by line at INFO and its standard error at WARN, each line with
 * the prefix {@code [switchover <command>]}. A command that exits with a non-zero status fails the action. A command
 * still running after the timeout is killed, together with its descendant processes, and fails the action; so does
 * one interrupted by the endpoint's close. The failure is logged by the endpoint in one line and not retried.
 *
 * <p>Only the command's first element and the three appended arguments are ever logged, never the other configured
 * arguments, so that a token among them stays out of the logs. Prefer passing secrets through a file the command
 * reads: arguments are visible to every local user in the process table.
 *
 * <p>IMPORTANT: a descendant that detaches itself from the command (a daemon, {@code setsid}) is not found and not
 * killed.
 */
public final class CommandSwitchover implements SwitchoverAction {
    private static final Logger log = LoggerFactory.getLogger(CommandSwitchover.class);
    private static final long OUTPUT_DRAIN_MILLIS = 2_000;

    private final List<String> command;
    private final Duration timeout;
    private final String prefix;

    private CommandSwitchover(List<String> command, Duration timeout) {
        this.command = command;
        this.timeout = timeout;
        this.prefix = "[switchover " + command.get(0) + "] ";
    }

    /**
     * A builder for a command given as its argument vector, for example {@code List.of("/usr/local/bin/move-ip",
     * "eth0")}. It is run as is: no shell expands or splits it.
     */
    public static Builder builder(List<String> command) {
        return new Builder(command);
    }

    /** The command's first element: the program. */
    public String program() {
        return command.get(0);
    }

    /** How long the command may run before it is killed. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Runs the command for this takeover and waits for it, at most the timeout.
     *
     * @throws IOException if the command cannot be started or exits with a non-zero status
     * @throws TimeoutException if it ran longer than the timeout; it and its descendants were killed
     * @throws InterruptedException if interrupted while waiting; it and its descendants were killed
     */
    @Override
    public void run(Member oldMaster, Member newMaster, long epoch) throws Exception {
        Objects.requireNonNull(newMaster, "newMaster");
        List<String> appended = List.of(
                oldMaster == null ? "-" : oldMaster.endpoint().toString(),
                newMaster.endpoint().toString(),
                Long.toString(epoch));
        List<String> argv = new ArrayList<>(command);
        argv.addAll(appended);
        String shown = command.get(0) + " … " + String.join(" ", appended);
        Process process;
        try {
            process = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            // The JDK's message names the program only; the other arguments stay out of it.
            throw new IOException("could not start " + command.get(0) + ": " + e.getMessage(), e);
        }
        long started = System.nanoTime();
        try {
            // Nothing to read: a command that waits for input gets end-of-file at once.
            process.getOutputStream().close();
        } catch (IOException e) {
            log.debug("{}stdin not closed: {}", prefix, e.toString());
        }
        log.info("{}running {} (pid {})", prefix, shown, process.pid());
        Thread out = drain(process.getInputStream(), "stdout", line -> log.info("{}{}", prefix, line));
        Thread err = drain(process.getErrorStream(), "stderr", line -> log.warn("{}{}", prefix, line));
        boolean exited;
        try {
            exited = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            int killed = kill(process);
            awaitOutput(out, err);
            throw new InterruptedException(
                    command.get(0) + " interrupted; killed it and " + killed + " descendant process(es)");
        }
        if (!exited) {
            int killed = kill(process);
            awaitOutput(out, err);
            throw new TimeoutException(command.get(0) + " still running after " + timeout + "; killed it and " + killed
                    + " descendant process(es)");
        }
        awaitOutput(out, err);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (process.exitValue() != 0) {
            throw new IOException(
                    command.get(0) + " exited with status " + process.exitValue() + " after " + millis + " ms");
        }
        log.info("{}done in {} ms", prefix, millis);
    }

    /**
     * Kills the process and the descendants it has now, the process first so that it starts no more of them;
     * returns how many descendants were killed. A descendant is found only while its parent lives, so the list is
     * taken before anything is killed.
     */
    private static int kill(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(OUTPUT_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return descendants.size();
    }

    private Thread drain(InputStream stream, String which, Consumer<String> sink) {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader reader =
                            new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = reader.readLine()) != null) {
                            sink.accept(line);
                        }
                    } catch (IOException e) {
                        log.debug("{}{} closed: {}", prefix, which, e.toString());
                    }
                },
                "ringleader-switchover-" + which);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits briefly for the rest of the output: a process that escaped the kill may still hold a pipe open. */
    private void awaitOutput(Thread out, Thread err) {
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OUTPUT_DRAIN_MILLIS);
        for (Thread t : List.of(out, err)) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    t.join(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (t.isAlive()) {
                log.warn("{}output still open after the command ended: a descendant process may still run", prefix);
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "CommandSwitchover[" + command.get(0) + "]";
    }

    /** Builds a {@link CommandSwitchover}; {@link #build()} validates. Default timeout 30 s. */
    public static final class Builder {
        static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
        static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

        private final List<String> command;
        private Duration timeout = Duration.ofSeconds(30);

        private Builder(List<String> command) {
            this.command = command == null ? null : new ArrayList<>(command);
        }

        /** How long the command may run before it is killed, 100 ms to 10 min (default 30 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException if the command is null or empty, its first element is blank, an element
         *     is null, or the timeout is null or not between 100 ms and 10 min; the message names the bad value (the
         *     first element only, never the other arguments)
         */
        public CommandSwitchover build() {
            if (command == null || command.isEmpty()) {
                throw new IllegalArgumentException("command must name a program, was " + command);
            }
            String program = command.get(0);
            if (program == null || program.isBlank()) {
                throw new IllegalArgumentException("command's first element must be a program, was '" + program + "'");
            }
            for (int i = 1; i < command.size(); i++) {
                if (command.get(i) == null) {
                    throw new IllegalArgumentException("command argument " + i + " of " + program + " is null");
                }
            }
            if (timeout == null || timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException(
                        "timeout must be between " + MIN_TIMEOUT + " and " + MAX_TIMEOUT + ", was " + timeout);
            }
            return new CommandSwitchover(List.copyOf(command), timeout);
        }
    }
}

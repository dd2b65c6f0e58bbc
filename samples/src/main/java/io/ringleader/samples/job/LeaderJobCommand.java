package io.ringleader.samples.job;

import io.ringleader.agent.Agent;
import io.ringleader.agent.leadership.Term;
import io.ringleader.coordinator.cli.DurationConverter;
import io.ringleader.samples.AgentOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ringleader leader-job}: one instance of a {@link LeaderJob} whose runs append to the fenced {@link RunLog},
 * until Ctrl-C or SIGTERM (or, with {@code --parent-watch}, until its standard input closes). It prints one line per
 * run it makes: the line it appended, or {@code refused: <why>} when the log refused it.
 *
 * <p>Two instances, and the first one killed:
 *
 * <pre>
 * bin/ringleader zk
 * bin/ringleader leader-job --zk 127.0.0.1:2181 --cluster orders --id job-1 --every 1s --session-timeout 2s --insecure
 * bin/ringleader leader-job --zk 127.0.0.1:2181 --cluster orders --id job-2 --every 1s --session-timeout 2s --insecure
 * </pre>
 *
 * <p>job-1 prints {@code run 1 at epoch 0x9 by member job-1}, {@code run 2 …}, while job-2 prints nothing. After
 * {@code kill -9} of job-1, job-2 goes on about 2 s later with {@code run 4 at epoch 0x11 by member job-2}: the run
 * numbers go on (they are counted in the shared log) and the epoch is larger.
 */
@Command(
        name = "leader-job",
        mixinStandardHelpOptions = true,
        description = {
            "Run a job every --every on exactly one instance at a time: the leader of the election job-<name>.",
            "Each run appends 'run N at epoch E by member M' to the fenced log <root>/<cluster>/jobs/<name> and"
                    + " prints it; a deposed leader's late run is refused. Start two or more with different --id.",
            "It follows the cluster as an observer (it serves nothing, so it takes no slots): --host, --port and"
                    + " --zone are not used."
        })
public final class LeaderJobCommand implements Callable<Integer> {

    @Mixin
    AgentOptions options;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            defaultValue = "report",
            description = "The job's name; instances with the same name share it (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(
            names = "--every",
            paramLabel = "DURATION",
            defaultValue = "1s",
            converter = DurationConverter.class,
            description = "The pause between two runs, e.g. 500ms, 10s, 1m (default: ${DEFAULT-VALUE}).")
    Duration every;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Agent agent;
        LeaderJob job;
        try {
            agent = options.configure().observer().build();
            RunLog runs = RunLog.of(agent, name);
            PrintWriter out = spec.commandLine().getOut();
            job = new LeaderJob(agent, name, every, term -> {
                out.println(runOnce(runs, term));
                out.flush();
            });
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            job.close();
                            agent.close();
                            stop.countDown();
                        },
                        "ringleader-leader-job-shutdown"));
        options.watchParent("ringleader-leader-job-parent-watch");
        agent.start();
        try {
            agent.awaitJoined(Duration.ofSeconds(30));
        } catch (TimeoutException e) {
            spec.commandLine().getErr().println("ringleader leader-job: " + e.getMessage());
            return 1;
        }
        spec.commandLine()
                .getOut()
                .printf(
                        "leader-job %s: job '%s' every %d ms, election %s (pid %d)%n",
                        agent.memberId(),
                        name,
                        every.toMillis(),
                        job.electionPath(),
                        ProcessHandle.current().pid());
        spec.commandLine().getOut().flush();
        job.start();
        stop.await();
        return 0;
    }

    /** The sample job: one fenced append; a refusal is an expected outcome, so it is printed, not thrown. */
    private static String runOnce(RunLog runs, Term term) throws Exception {
        try {
            return runs.append(term).toString();
        } catch (FencedOutException e) {
            return "refused: " + e.getMessage();
        }
    }
}

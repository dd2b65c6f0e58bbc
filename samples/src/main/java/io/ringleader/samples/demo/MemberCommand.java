package io.ringleader.samples.demo;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.MemberIdConflictException;
import io.ringleader.samples.AgentOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A bare member: an agent that registers and stays until it is stopped. The demo starts these as child processes;
 * with {@code --parent-watch} it also exits when its standard input closes, so that it never outlives the demo.
 */
@Command(
        name = "member",
        mixinStandardHelpOptions = true,
        description = "Run a bare member (an agent without a service) until Ctrl-C or SIGTERM; the demo starts these.")
public final class MemberCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(MemberCommand.class);

    @Mixin
    AgentOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Agent agent;
        try {
            agent = options.configure().build();
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    agent.close();
                    stop.countDown();
                },
                "ringleader-member-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        options.watchParent("ringleader-member-parent-watch");
        agent.start();
        try {
            agent.awaitJoined(Duration.ofSeconds(30));
        } catch (MemberIdConflictException | TimeoutException e) {
            System.err.println("ringleader member: " + e.getMessage());
            return 1;
        }
        log.info(
                "[cluster={} member={}] joined; pid {}",
                agent.clusterPath().cluster(),
                agent.memberId(),
                ProcessHandle.current().pid());
        stop.await();
        return 0;
    }
}

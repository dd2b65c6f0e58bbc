package io.ringleader.samples.demo;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.MemberIdConflictException;
import io.ringleader.coordinator.cli.DurationConverter;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A bare member: an agent that registers and stays until it is stopped. The demo starts these as child processes;
 * with {@code --parent-watch} it also exits when its standard input closes, so that it never outlives the demo.
 */
@Command(
        name = "member",
        hidden = true,
        mixinStandardHelpOptions = true,
        description = "Run a bare cluster member until stopped (used by the demo).")
public final class MemberCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(MemberCommand.class);

    @Option(names = "--zk", required = true, description = "ZooKeeper connect string.")
    String zk;

    @Option(names = "--cluster", required = true, description = "Cluster name.")
    String cluster;

    @Option(names = "--id", required = true, description = "Member id.")
    String id;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Advertised host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", required = true, description = "Advertised port.")
    int port;

    @Option(names = "--zone", description = "Zone.")
    String zone;

    @Option(
            names = "--session-timeout",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "ZooKeeper session timeout (default: ${DEFAULT-VALUE}).")
    Duration sessionTimeout;

    @Option(names = "--parent-watch", description = "Exit when standard input closes.")
    boolean parentWatch;

    @Override
    public Integer call() throws Exception {
        Agent.Builder builder = Agent.builder()
                .connectString(zk)
                .cluster(cluster)
                .memberId(id)
                .endpoint(host, port)
                .sessionTimeout(sessionTimeout)
                .connectionTimeout(
                        sessionTimeout.compareTo(Duration.ofSeconds(2)) < 0 ? sessionTimeout : Duration.ofSeconds(2));
        if (zone != null) {
            builder.zone(zone);
        }
        Agent agent = builder.build();
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    agent.close();
                    stop.countDown();
                },
                "ringleader-member-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (parentWatch) {
            Thread watch = new Thread(() -> exitWhenClosed(System.in), "ringleader-member-parent-watch");
            watch.setDaemon(true);
            watch.start();
        }
        agent.start();
        try {
            agent.awaitJoined(Duration.ofSeconds(30));
        } catch (MemberIdConflictException | TimeoutException e) {
            System.err.println("ringleader member: " + e.getMessage());
            return 1;
        }
        log.info(
                "[cluster={} member={}] joined; pid {}",
                cluster,
                id,
                ProcessHandle.current().pid());
        stop.await();
        return 0;
    }

    private static void exitWhenClosed(InputStream in) {
        try {
            while (in.read() >= 0) {
                // the demo never writes: only EOF matters
            }
        } catch (IOException e) {
            // closed as well
        }
        System.exit(0);
    }
}

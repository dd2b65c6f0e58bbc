package io.ringleader.samples.demo;

import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.MemberIdConflictException;
import io.ringleader.coordinator.cli.DurationConverter;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Agent properties (see conf/agent.properties); the flags below override them.")
    Path config;

    @Option(names = "--zk", paramLabel = "CONNECT", description = "ZooKeeper connect string.")
    String zk;

    @Option(names = "--cluster", paramLabel = "NAME", description = "Cluster name.")
    String cluster;

    @Option(names = "--id", paramLabel = "ID", description = "Member id.")
    String id;

    @Option(
            names = "--host",
            paramLabel = "HOST",
            description = "Advertised host (default 127.0.0.1 when --port is given).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "Advertised port.")
    Integer port;

    @Option(names = "--zone", paramLabel = "ZONE", description = "Zone.")
    String zone;

    @Option(
            names = "--session-timeout",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "ZooKeeper session timeout, e.g. 2s.")
    Duration sessionTimeout;

    @Spec
    CommandSpec spec;

    @Option(names = "--parent-watch", description = "Exit when standard input closes.")
    boolean parentWatch;

    @Override
    public Integer call() throws Exception {
        Agent agent;
        try {
            agent = configure().build();
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

    private Agent.Builder configure() throws IOException {
        Agent.Builder builder = Agent.builder();
        if (config != null) {
            Properties properties = new Properties();
            try (Reader in = Files.newBufferedReader(config)) {
                properties.load(in);
            } catch (IOException e) {
                throw new IOException("cannot read --config " + config + ": " + e.getMessage(), e);
            }
            builder.properties(properties);
        }
        if (zk != null) {
            builder.connectString(zk);
        }
        if (cluster != null) {
            builder.cluster(cluster);
        }
        if (id != null) {
            builder.memberId(id);
        }
        if (port != null) {
            builder.endpoint(host == null ? "127.0.0.1" : host, port);
        }
        if (zone != null) {
            builder.zone(zone);
        }
        if (sessionTimeout != null) {
            Duration connection = Duration.ofSeconds(2);
            builder.sessionTimeout(sessionTimeout)
                    .connectionTimeout(sessionTimeout.compareTo(connection) < 0 ? sessionTimeout : connection);
        }
        return builder;
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

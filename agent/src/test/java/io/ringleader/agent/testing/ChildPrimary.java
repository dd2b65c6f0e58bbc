package io.ringleader.agent.testing;

import io.ringleader.agent.Agent;
import io.ringleader.agent.roles.RoleSnapshot;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A member run as a child JVM by fault tests: it joins, and every 20 ms sends one replication message
 * {@code MSG <slot> <epoch>} per primary slot it believes it holds to the test's socket, as a primary replicating a
 * write would. It prints its role changes, and exits when its standard input closes.
 *
 * <p>Arguments: connect string, cluster, member id, session timeout in ms, the test's port. The connect string may
 * lead through a {@link TcpProxy}, so that the test can cut this member from ZooKeeper while it still reaches the
 * test.
 */
public final class ChildPrimary {
    private ChildPrimary() {}

    public static void main(String[] args) throws Exception {
        Thread watch = new Thread(
                () -> {
                    try {
                        while (System.in.read() >= 0) {
                            // only EOF matters
                        }
                    } catch (Exception e) {
                        // closed
                    }
                    Runtime.getRuntime().halt(0);
                },
                "parent-watch");
        watch.setDaemon(true);
        watch.start();
        Agent agent = Agent.builder()
                .insecure()
                .connectString(args[0])
                .cluster(args[1])
                .memberId(args[2])
                .endpoint("127.0.0.1", 7000)
                .sessionTimeout(Duration.ofMillis(Long.parseLong(args[3])))
                .build();
        agent.roles()
                .listenable()
                .addListener(change -> System.out.println(
                        "ROLES primary=" + change.current().primary().size() + " active="
                                + change.current().active() + " epoch=" + change.epoch() + " cause="
                                + change.cause()));
        agent.start();
        agent.awaitJoined(Duration.ofSeconds(30));
        System.out.println("JOINED");
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(args[4]));
                PrintWriter out = new PrintWriter(socket.getOutputStream(), false, StandardCharsets.UTF_8)) {
            while (true) {
                RoleSnapshot roles = agent.roles().current();
                roles.primary().forEach(slot -> {
                    if (roles.isPrimary(slot)) {
                        out.println("MSG " + slot + " " + roles.epoch());
                    }
                });
                out.flush();
                Thread.sleep(20);
            }
        }
    }
}

package io.ringleader.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A standalone ZooKeeper server ({@code ZooKeeperServerMain}) in a child JVM, its data in a fresh directory under
 * {@code java.io.tmpdir}: the server does not share the benchmark's JVM (its JIT compiler, collector and safepoints)
 * as an embedded one does. {@link #close()} stops the child and deletes the directory.
 */
final class ZooKeeperProcess implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(60);

    private final Process process;
    private final Path dir;
    private final int port;
    /** Stops the child if the JVM exits before {@link #close()}. */
    private final Thread stopOnExit;

    private ZooKeeperProcess(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.stopOnExit = new Thread(process::destroyForcibly, "zookeeper-child-stop");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    /** Attempts at starting the server: the free port it is given can be taken before the child binds it. */
    private static final int ATTEMPTS = 3;

    /**
     * Starts the server with the given tick time and returns once it answers {@code ruok}; a child that exits before
     * (its port taken meanwhile) is started again on another port, up to {@value #ATTEMPTS} times.
     */
    static ZooKeeperProcess start(Duration tick) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(tick);
            } catch (ExitedException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** The child exited before it answered. */
    private static final class ExitedException extends IOException {
        ExitedException(String message) {
            super(message);
        }
    }

    private static ZooKeeperProcess startOnce(Duration tick) throws Exception {
        Path dir = Files.createTempDirectory("takeover-zk-");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = ChildJvm.command(
                List.of(
                        // -Dbench.zookeeper.heap=1g for the fan-out benchmark's 1,000 sessions
                        "-Xmx" + System.getProperty("bench.zookeeper.heap", "256m"),
                        "-Dzookeeper.admin.enableServer=false",
                        "-Dzookeeper.4lw.commands.whitelist=ruok"),
                "org.apache.zookeeper.server.ZooKeeperServerMain",
                // the last argument, 0: no limit on connections from one address (the fan-out benchmark opens 1,000)
                List.of(Integer.toString(port), dir.resolve("data").toString(), Long.toString(tick.toMillis()), "0"));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("zookeeper.log").toFile())
                .start();
        ZooKeeperProcess zk = new ZooKeeperProcess(process, dir, port);
        try {
            zk.awaitReady();
        } catch (Exception e) {
            zk.close();
            throw e;
        }
        return zk;
    }

    String connectString() {
        return "127.0.0.1:" + port;
    }

    /** The directory with the server's data and log; gone after {@link #close()}. */
    Path dir() {
        return dir;
    }

    long pid() {
        return process.pid();
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                // the log goes with the directory on close(): its last lines go into the message
                List<String> log = Files.readAllLines(dir.resolve("zookeeper.log"));
                throw new ExitedException("ZooKeeper exited with " + process.exitValue() + ": "
                        + String.join(" | ", log.subList(Math.max(0, log.size() - 3), log.size())));
            }
            if (answersRuok() && process.isAlive()) {
                return; // a child that lost its port exits; one still running is taken to be the one that answered
            }
            Thread.sleep(50);
        }
        throw new TimeoutException("ZooKeeper did not answer on port " + port + " within " + START);
    }

    private boolean answersRuok() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(1_000);
            OutputStream out = socket.getOutputStream();
            out.write("ruok".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).equals("imok");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

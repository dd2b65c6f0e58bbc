package io.ringleader.coordinator.zk;

import io.ringleader.coordinator.zk.ZooKeeperStartException.Reason;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone Apache ZooKeeper server inside this JVM, for development, demos and tests.
 *
 * <pre>{@code
 * try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.builder().port(0).start()) {
 *     CuratorFramework client = CuratorFrameworkFactory.newClient(zk.connectString(), retry);
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link Builder#start()} returns only once the server answers on its client port. The admin
 * HTTP server is off and of the four-letter words only {@code srvr} and {@code ruok} are enabled.
 *
 * <p>IMPORTANT: this is one server, not an ensemble; it never replaces a 3- or 5-server ensemble in
 * production. ZooKeeper reads some of its settings from JVM-wide system properties, so servers in
 * one JVM share them (all servers started here set the same values).
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);

    /** The smallest tick time accepted. */
    public static final Duration MIN_TICK_TIME = Duration.ofMillis(10);
    /** The largest tick time accepted. */
    public static final Duration MAX_TICK_TIME = Duration.ofSeconds(60);

    private static final int FREE_PORT_ATTEMPTS = 3;
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(25);

    private enum State {
        STARTED,
        CLOSED
    }

    private final ZooKeeperServerEmbedded server;
    private final ThreadGroup serverThreads;
    private final InetSocketAddress address;
    private final DataDirectory dataDirectory;
    private final Duration closeTimeout;
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTED);

    private EmbeddedZooKeeper(
            ZooKeeperServerEmbedded server,
            ThreadGroup serverThreads,
            InetSocketAddress address,
            DataDirectory dataDirectory,
            Duration closeTimeout) {
        this.server = server;
        this.serverThreads = serverThreads;
        this.address = address;
        this.dataDirectory = dataDirectory;
        this.closeTimeout = closeTimeout;
    }

    /** Returns a builder with defaults: loopback, port 2181, tick time 500 ms, a temporary data directory. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the connect string for clients, e.g. {@code 127.0.0.1:2181}; a wildcard bind maps to loopback. */
    public String connectString() {
        return hostForClients(address.getAddress()) + ":" + address.getPort();
    }

    /** Returns the client port the server listens on (the chosen one when the builder asked for port 0). */
    public int port() {
        return address.getPort();
    }

    /** Returns the address and port the server listens on. */
    public InetSocketAddress address() {
        return address;
    }

    /** Returns the absolute data directory. A temporary one is deleted by {@link #close()}. */
    public Path dataDir() {
        return dataDirectory.path();
    }

    /**
     * Stops the server, waits (bounded by the builder's close timeout) for its threads to end and its
     * port to be released, and releases the data directory. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!state.compareAndSet(State.STARTED, State.CLOSED)) {
            return;
        }
        boolean clean = stopBounded(server, serverThreads, closeTimeout);
        dataDirectory.close();
        if (clean) {
            LOG.info("ZooKeeper on {} stopped", connectString());
        } else {
            LOG.warn(
                    "ZooKeeper on {} did not stop within {}; threads still running: {}",
                    connectString(),
                    closeTimeout,
                    threadNames(serverThreads));
        }
    }

    @Override
    public String toString() {
        return "EmbeddedZooKeeper[" + connectString() + ", " + state.get() + "]";
    }

    /**
     * Builds and starts an {@link EmbeddedZooKeeper}. Every setter validates at once and names the
     * bad value.
     */
    public static final class Builder {
        private int port = 2181;
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private Path dataDir;
        private Duration tickTime = Duration.ofMillis(500);
        private Duration startTimeout = Duration.ofSeconds(30);
        private Duration closeTimeout = Duration.ofSeconds(10);

        private Builder() {}

        /**
         * Sets the client port; 0 picks a free one (see {@link EmbeddedZooKeeper#port()}).
         *
         * @throws IllegalArgumentException if port is not between 0 and 65535
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** Sets the address to listen on; loopback by default. */
        public Builder bindAddress(InetAddress bindAddress) {
            this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
            return this;
        }

        /**
         * Sets the data directory, created if missing and kept on close. Without one the server uses a
         * temporary directory that {@link EmbeddedZooKeeper#close()} deletes.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /**
         * Sets ZooKeeper's tick time: sessions may time out between 2 and 20 ticks.
         *
         * @throws IllegalArgumentException if tickTime is not between 10 ms and 60 s, or not whole milliseconds
         */
        public Builder tickTime(Duration tickTime) {
            Objects.requireNonNull(tickTime, "tickTime");
            if (tickTime.compareTo(MIN_TICK_TIME) < 0
                    || tickTime.compareTo(MAX_TICK_TIME) > 0
                    || tickTime.toNanos() % 1_000_000 != 0) {
                throw new IllegalArgumentException(
                        "tickTime must be whole milliseconds between 10 ms and 60 s, was " + tickTime);
            }
            this.tickTime = tickTime;
            return this;
        }

        /**
         * Sets how long {@link #start()} waits for the server to answer; 30 s by default.
         *
         * @throws IllegalArgumentException if startTimeout is not positive
         */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = positive(startTimeout, "startTimeout");
            return this;
        }

        /**
         * Sets how long {@link EmbeddedZooKeeper#close()} waits for the server to stop; 10 s by default.
         *
         * @throws IllegalArgumentException if closeTimeout is not positive
         */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = positive(closeTimeout, "closeTimeout");
            return this;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }

        /**
         * Starts the server and returns once it answers on its client port.
         *
         * @throws ZooKeeperStartException with a one-line message naming the port, address or path if
         *     the server cannot start; nothing is left running then
         */
        public EmbeddedZooKeeper start() {
            DataDirectory dir = dataDir == null ? DataDirectory.temporary() : DataDirectory.open(dataDir);
            try {
                int attempts = port == 0 ? FREE_PORT_ATTEMPTS : 1;
                for (int attempt = 1; ; attempt++) {
                    int candidate = port == 0 ? pickFreePort(bindAddress) : port;
                    try {
                        return startOn(new InetSocketAddress(bindAddress, candidate), dir);
                    } catch (ZooKeeperStartException e) {
                        // a free port picked by us can be taken by someone else before the server binds it
                        if (e.reason() != Reason.PORT_IN_USE || attempt >= attempts) {
                            throw e;
                        }
                        LOG.debug("port {} was taken before ZooKeeper could bind it; picking another", candidate);
                    }
                }
            } catch (RuntimeException e) {
                dir.close();
                throw e;
            }
        }

        private EmbeddedZooKeeper startOn(InetSocketAddress address, DataDirectory dir) {
            checkCanBind(address);
            ZooKeeperServerEmbedded server = build(address, dir.path());
            long deadline = System.nanoTime() + startTimeout.toNanos();
            ThreadGroup group = new ThreadGroup("ringleader-zk-" + address.getPort());
            CompletableFuture<Void> started = new CompletableFuture<>();
            Thread starter = new Thread(
                    group,
                    () -> {
                        try {
                            server.start(startTimeout.toMillis());
                            started.complete(null);
                        } catch (Throwable t) {
                            started.completeExceptionally(t);
                        }
                    },
                    "ringleader-zk-" + address.getPort() + "-start");
            starter.setDaemon(true);
            starter.start();
            try {
                awaitStarted(started, group, starter, address, deadline);
                awaitServing(address, deadline);
            } catch (ZooKeeperStartException e) {
                starter.interrupt();
                forceShutdown(server);
                stopBounded(server, group, closeTimeout);
                throw e;
            }
            LOG.debug("ZooKeeper serving on {} (data in {})", format(address), dir.path());
            return new EmbeddedZooKeeper(server, group, address, dir, closeTimeout);
        }

        private ZooKeeperServerEmbedded build(InetSocketAddress address, Path data) {
            Properties config = new Properties();
            config.setProperty("dataDir", data.toString());
            config.setProperty("clientPort", Integer.toString(address.getPort()));
            config.setProperty("clientPortAddress", address.getAddress().getHostAddress());
            config.setProperty("tickTime", Long.toString(tickTime.toMillis()));
            config.setProperty("initLimit", "10");
            config.setProperty("syncLimit", "5");
            // QuorumPeerConfig turns unknown keys into zookeeper.* system properties: these switch off the
            // admin HTTP server and all four-letter words but the two harmless ones used for probing.
            config.setProperty("admin.enableServer", "false");
            config.setProperty("4lw.commands.whitelist", "srvr,ruok");
            config.setProperty("maxCnxns", "1000");
            // ZooKeeperServerEmbedded writes its configuration file into baseDir on every boot; keep that
            // out of the data directory and delete it once parsed.
            Path baseDir;
            try {
                baseDir = Files.createTempDirectory("ringleader-zk-conf-");
            } catch (IOException e) {
                throw new ZooKeeperStartException(
                        Reason.FAILED,
                        "cannot create a temporary directory for the ZooKeeper configuration: "
                                + DataDirectory.describe(e),
                        e);
            }
            try {
                return ZooKeeperServerEmbedded.builder()
                        .baseDir(baseDir)
                        .configuration(config)
                        .exitHandler(ExitHandler.LOG_ONLY)
                        .build();
            } catch (Exception e) {
                throw new ZooKeeperStartException(
                        Reason.FAILED, "ZooKeeper rejected its configuration: " + oneLine(e), e);
            } finally {
                DataDirectory.deleteTree(baseDir);
            }
        }

        private void awaitStarted(
                CompletableFuture<Void> started,
                ThreadGroup group,
                Thread starter,
                InetSocketAddress address,
                long deadline) {
            // ZooKeeperServerEmbedded.start waits for its whole timeout when the server fails early (port
            // taken in between, damaged data directory): watch the server's threads to fail fast instead.
            boolean serverThreadSeen = false;
            while (true) {
                try {
                    started.get(PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    Thread[] serverThreads = Arrays.stream(threads(group))
                            .filter(t -> t != starter)
                            .toArray(Thread[]::new);
                    serverThreadSeen |= serverThreads.length > 0;
                    if (serverThreadSeen && serverThreads.length == 0) {
                        // the server thread ends early only when it could not even bind its port
                        throw canBind(address) ? failedToStart(address) : portInUse(address);
                    }
                    if (closingAfterFailure(serverThreads)) {
                        throw failedToStart(address);
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw timedOut(address);
                    }
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TimeoutException) {
                        throw timedOut(address);
                    }
                    throw new ZooKeeperStartException(
                            Reason.FAILED,
                            "ZooKeeper on " + format(address) + " failed to start: " + oneLine(e.getCause()),
                            e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ZooKeeperStartException(
                            Reason.FAILED, "interrupted while starting ZooKeeper on " + format(address), e);
                }
            }
        }

        /**
         * Whether ZooKeeper's server thread is already closing the server although nobody asked it to:
         * it does so when runFromConfig fails, and then waits in close() for threads it never stopped.
         */
        private static boolean closingAfterFailure(Thread[] serverThreads) {
            for (Thread t : serverThreads) {
                for (StackTraceElement frame : t.getStackTrace()) {
                    if (frame.getClassName().equals(ZooKeeperServerMain.class.getName())
                            && frame.getMethodName().equals("close")) {
                        return true;
                    }
                }
            }
            return false;
        }

        private ZooKeeperStartException failedToStart(InetSocketAddress address) {
            return new ZooKeeperStartException(
                    Reason.FAILED,
                    "ZooKeeper on " + format(address) + " failed to start; the ZooKeeper error logged above says why");
        }

        private ZooKeeperStartException timedOut(InetSocketAddress address) {
            return new ZooKeeperStartException(
                    Reason.TIMED_OUT,
                    "ZooKeeper on " + format(address) + " did not start within " + startTimeout.toMillis() + " ms");
        }
    }

    private static void awaitServing(InetSocketAddress address, long deadline) {
        InetSocketAddress probe = new InetSocketAddress(forClients(address.getAddress()), address.getPort());
        while (!answersSrvr(probe)) {
            if (System.nanoTime() - deadline > 0) {
                throw new ZooKeeperStartException(
                        Reason.TIMED_OUT, "ZooKeeper on " + format(address) + " started but does not answer");
            }
            try {
                Thread.sleep(PROBE_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ZooKeeperStartException(
                        Reason.FAILED, "interrupted while waiting for ZooKeeper on " + format(address), e);
            }
        }
    }

    /** Sends {@code srvr} (always whitelisted) and returns whether the server says it is serving. */
    private static boolean answersSrvr(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 1000);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return !reply.isEmpty() && !reply.contains("not currently serving");
        } catch (IOException e) {
            return false;
        }
    }

    private static void checkCanBind(InetSocketAddress address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(address);
        } catch (BindException e) {
            if (!isLocal(address.getAddress())) {
                throw new ZooKeeperStartException(
                        Reason.ADDRESS_NOT_LOCAL,
                        "cannot listen on " + format(address) + ": "
                                + address.getAddress().getHostAddress() + " is not an address of this machine",
                        e);
            }
            throw portInUse(address);
        } catch (IOException e) {
            throw new ZooKeeperStartException(
                    Reason.FAILED, "cannot listen on " + format(address) + ": " + oneLine(e), e);
        }
    }

    private static boolean canBind(InetSocketAddress address) {
        try {
            checkCanBind(address);
            return true;
        } catch (ZooKeeperStartException e) {
            return false;
        }
    }

    private static ZooKeeperStartException portInUse(InetSocketAddress address) {
        return new ZooKeeperStartException(
                Reason.PORT_IN_USE,
                "port " + address.getPort() + " on " + address.getAddress().getHostAddress() + " is already in use");
    }

    private static int pickFreePort(InetAddress bindAddress) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(bindAddress, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new ZooKeeperStartException(
                    Reason.ADDRESS_NOT_LOCAL,
                    "cannot find a free port on " + bindAddress.getHostAddress() + ": " + oneLine(e),
                    e);
        }
    }

    private static boolean isLocal(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /**
     * Closes the server on a daemon thread and waits at most {@code timeout} for it and for the server's
     * threads. A server that failed to start hangs in close() waiting for threads nobody stopped: after
     * half the timeout those are stopped directly ({@link #forceShutdown}).
     *
     * @return whether everything stopped in time
     */
    private static boolean stopBounded(ZooKeeperServerEmbedded server, ThreadGroup group, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread closer = new Thread(server::close, group.getName() + "-stop");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(Math.max(1, timeout.toMillis() / 2));
            if (closer.isAlive()) {
                forceShutdown(server);
            }
            for (Thread t : threads(group)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                t.join(left);
            }
            closer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !closer.isAlive() && threads(group).length == 0;
    }

    /**
     * Stops the connection factory of ZooKeeperServerEmbedded's standalone server directly. Its close()
     * only joins the factory's threads when the server failed to start, and so waits forever; the
     * protected {@link ZooKeeperServerMain} shutdown() stops them. Reflection because neither is public;
     * best effort: if the internals change, the bounded wait in {@link #stopBounded} still holds.
     */
    private static void forceShutdown(ZooKeeperServerEmbedded server) {
        try {
            Field field = server.getClass().getDeclaredField("mainsingle");
            field.setAccessible(true);
            Object main = field.get(server);
            if (main instanceof ZooKeeperServerMain) {
                Method shutdown = ZooKeeperServerMain.class.getDeclaredMethod("shutdown");
                shutdown.setAccessible(true);
                shutdown.invoke(main);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("could not stop ZooKeeper's connection factory directly", e);
        }
    }

    private static Thread[] threads(ThreadGroup group) {
        Thread[] threads = new Thread[Math.max(16, group.activeCount() * 2)];
        int n = group.enumerate(threads, true);
        List<Thread> alive = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (threads[i].isAlive()) {
                alive.add(threads[i]);
            }
        }
        return alive.toArray(new Thread[0]);
    }

    private static List<String> threadNames(ThreadGroup group) {
        return Arrays.stream(threads(group)).map(Thread::getName).toList();
    }

    private static InetAddress forClients(InetAddress bound) {
        return bound.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : bound;
    }

    private static String hostForClients(InetAddress bound) {
        InetAddress a = forClients(bound);
        return a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
    }

    private static String format(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        String host = a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        return host + ":" + address.getPort();
    }

    private static String oneLine(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank()
                ? t.getClass().getSimpleName()
                : message.lines().findFirst().orElse("");
    }
}

package io.ringleader.coordinator.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ringleader.agent.events.Event;
import io.ringleader.agent.events.EventReader;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.ring.Ring;
import io.ringleader.agent.routing.RoutingTable;
import io.ringleader.coordinator.CoordinatorConfig;
import io.ringleader.coordinator.admin.AdminException;
import io.ringleader.coordinator.admin.ClusterJson;
import io.ringleader.coordinator.admin.ClusterReader;
import io.ringleader.coordinator.admin.ClusterState;
import io.ringleader.coordinator.admin.MemberSummary;
import io.ringleader.coordinator.admin.RingSummary;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.utils.ThreadUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's HTTP API and dashboard, read-only: {@code /health}, {@code /api/status}, {@code /api/ring},
 * {@code /api/members}, {@code /api/events}, {@code /metrics} (Prometheus), and the dashboard page at {@code /}
 * (fields in {@code docs/admin.md}, meters in the README).
 *
 * <p>It reads the cluster through a ZooKeeper session of its own, with the coordinator's connect string and
 * credentials, the way {@code ringleader admin} does, so a slow reader of the API never holds up the coordinator's
 * own session. A read of the cluster answers the {@code /api/status}, {@code /api/ring} and {@code /api/members}
 * requests of the next 500 ms, so a dashboard's polling costs one read, not three; the answers are at most that much
 * older than the ZooKeeper server it is connected to. Events are read at every request.
 *
 * <p>IMPORTANT: the API has no authentication, and shows the cluster's members and endpoints to anyone who reaches
 * it. It is bound to loopback by default; bind it elsewhere only on a network you trust.
 */
public final class AdminHttpServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DASHBOARD = "dashboard.html";
    private static final byte[] PAGE = page();
    /**
     * How long one read of the cluster answers further {@code /api/*} requests: a dashboard asks for three resources
     * a second, and a read costs one ZooKeeper request per member.
     */
    static final long READ_REUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private enum State {
        LATENT,
        STARTED,
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final HttpAddress address;
    private final Supplier<CoordinatorHealth> coordinator;
    /** Null when metrics are not served. */
    private final PrometheusMeterRegistry metrics;

    private final CuratorFramework client;
    private final ClusterReader reader;
    /** One reader for every request: it warns of a malformed event once, not at every poll of the dashboard. */
    private final EventReader eventReader;

    private final LongSupplier ticker;
    private final Object readLock = new Object();
    // Guarded by readLock: the latest read of the cluster, when it started, and how many reads were made.
    private ClusterState lastRead;
    private long lastReadAt;
    private long reads;

    private final String threadPrefix;
    private final String logPrefix;
    private volatile ExecutorService executor;
    private volatile HttpServer server;

    private AdminHttpServer(Builder b) {
        this.address = b.address;
        this.coordinator = b.coordinator;
        this.metrics = b.metrics;
        this.ticker = b.ticker;
        CoordinatorConfig config = b.config;
        this.threadPrefix = "ringleader-coordinator-" + config.coordinatorId() + "-http";
        this.logPrefix = "[cluster=" + config.path().cluster() + " coordinator=" + config.coordinatorId() + "] ";
        CuratorFrameworkFactory.Builder curator = CuratorFrameworkFactory.builder()
                .connectString(config.connectString())
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
                .retryPolicy(new ExponentialBackoffRetry(250, 3))
                .threadFactory(ThreadUtils.newGenericThreadFactory(threadPrefix + "-curator"));
        if (config.authScheme() != null) {
            curator.authorization(config.authScheme(), config.authCredentials().getBytes(StandardCharsets.UTF_8));
        }
        this.client = curator.build();
        this.reader = new ClusterReader(client, config.path());
        this.eventReader = new EventReader(client, config.path(), skipped -> log.warn("{}{}", logPrefix, skipped));
    }

    /**
     * A builder of the HTTP server of the coordinator with these settings.
     *
     * @throws NullPointerException if {@code config} is null
     */
    public static Builder builder(CoordinatorConfig config) {
        return new Builder(Objects.requireNonNull(config, "config"));
    }

    /** Builds an {@link AdminHttpServer}. */
    public static final class Builder {
        private final CoordinatorConfig config;
        private HttpAddress address = HttpAddress.DEFAULT;
        private Supplier<CoordinatorHealth> coordinator;
        private PrometheusMeterRegistry metrics;
        private LongSupplier ticker = System::nanoTime;

        private Builder(CoordinatorConfig config) {
            this.config = config;
        }

        /** Where to listen; {@link HttpAddress#DEFAULT} unless set. */
        public Builder address(HttpAddress value) {
            this.address = Objects.requireNonNull(value, "address");
            return this;
        }

        /** What the coordinator says of itself, asked at every {@code /health} and {@code /api/status}. Required. */
        public Builder coordinator(Supplier<CoordinatorHealth> value) {
            this.coordinator = Objects.requireNonNull(value, "coordinator");
            return this;
        }

        /** The nanosecond clock that ages a read of the cluster (default {@link System#nanoTime()}); for tests. */
        Builder ticker(LongSupplier value) {
            this.ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        /** Serves {@code registry} at {@code /metrics} in Prometheus' text format; without it {@code /metrics} is 404. */
        public Builder metrics(PrometheusMeterRegistry registry) {
            this.metrics = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * The server, not started.
         *
         * @throws IllegalStateException if no {@link #coordinator} was given
         */
        public AdminHttpServer build() {
            if (coordinator == null) {
                throw new IllegalStateException("coordinator(...) is required: /health reports on it");
            }
            return new AdminHttpServer(this);
        }
    }

    /**
     * Binds the address, starts serving and connects to ZooKeeper (without waiting for the connection: until it is
     * up, {@code /health} answers 503 and the API 503 with the reason).
     *
     * @throws java.net.BindException if the address is in use or cannot be bound; nothing is left running then
     * @throws IOException if the server cannot start for another reason
     * @throws IllegalStateException if already started or closed
     */
    public void start() throws IOException {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("HTTP server already started or closed: " + state.get());
        }
        try {
            server = HttpServer.create(address.socketAddress(), 16);
        } catch (IOException | RuntimeException e) {
            state.set(State.CLOSED);
            client.close();
            throw e;
        }
        executor = Executors.newFixedThreadPool(2, ThreadUtils.newGenericThreadFactory(threadPrefix));
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        client.start();
        log.info("{}HTTP API and dashboard on http://{}/", logPrefix, hostPort(address()));
    }

    /**
     * The address it listens on, with the port bound (the actual one when 0 was asked for).
     *
     * @throws IllegalStateException if not started
     */
    public InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("HTTP server not started");
        }
        return server.getAddress();
    }

    /** {@code http://host:port/}, where it listens. */
    public String url() {
        return "http://" + hostPort(address()) + "/";
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Stops serving and disconnects. Idempotent. */
    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            return;
        }
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        log.info("{}HTTP server stopped", logPrefix);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, error("only GET and HEAD are served, was " + method));
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/", "/index.html" -> dashboard(exchange);
                case "/health" -> health(exchange);
                case "/api/status" -> api(exchange, this::status);
                case "/api/ring" -> api(exchange, this::ring);
                case "/api/members" -> api(exchange, s -> ClusterJson.members(MemberSummary.of(s)));
                case "/api/events" -> events(exchange);
                case "/metrics" -> metrics(exchange);
                default -> send(exchange, 404, error("no such resource: " + path));
            }
        } catch (IOException | RuntimeException e) {
            log.debug("{}HTTP request failed", logPrefix, e);
        }
    }

    /** Prometheus' text exposition format, version 0.0.4. */
    private void metrics(HttpExchange exchange) throws IOException {
        if (metrics == null) {
            send(exchange, 404, error("this server does not serve metrics"));
            return;
        }
        send(exchange, 200, PROMETHEUS_TEXT, metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }

    private void health(HttpExchange exchange) throws IOException {
        CoordinatorHealth c = coordinator.get();
        boolean zooKeeper = client.getZookeeperClient().isConnected();
        boolean up = c.running() && c.connected() && zooKeeper;
        ObjectNode node = ClusterJson.object();
        node.put("status", up ? "UP" : "DOWN");
        node.put("coordinator", c.id());
        node.put("running", c.running());
        node.put("active", c.active());
        node.put("zookeeperConnected", c.connected() && zooKeeper);
        if (!c.running()) {
            node.put("problem", "the coordinator is not running");
        } else if (!c.connected() || !zooKeeper) {
            node.put("problem", "not connected to ZooKeeper");
        } else {
            node.putNull("problem");
        }
        send(exchange, up ? 200 : 503, node);
    }

    /**
     * The cluster as read by the latest read that started less than {@link #READ_REUSE_NANOS} ago, else as read now.
     * Requests that arrive during a read wait for it and share it.
     */
    private ClusterState readCluster() throws Exception {
        synchronized (readLock) {
            long now = ticker.getAsLong();
            if (lastRead != null && now - lastReadAt < READ_REUSE_NANOS) {
                return lastRead;
            }
            reads++;
            ClusterState state = reader.read();
            lastRead = state;
            lastReadAt = now;
            return state;
        }
    }

    /** How many reads of the cluster {@code /api/*} started (failed ones included), for tests. */
    long reads() {
        synchronized (readLock) {
            return reads;
        }
    }

    /**
     * Answers 503 at once while the client is not connected to ZooKeeper: a read would wait for the connection (and
     * every request behind it for the read) only to fail.
     */
    private boolean notConnected(HttpExchange exchange) throws IOException {
        if (client.getZookeeperClient().isConnected()) {
            return false;
        }
        send(
                exchange,
                503,
                error("not connected to ZooKeeper: cannot read cluster '"
                        + reader.path().cluster() + "'; /health says when the connection is back"));
        return true;
    }

    /** How one API resource is made from what was read. */
    @FunctionalInterface
    private interface Resource {
        ObjectNode from(ClusterState state) throws AdminException;
    }

    private void api(HttpExchange exchange, Resource resource) throws IOException {
        if (notConnected(exchange)) {
            return;
        }
        ClusterState state;
        try {
            state = readCluster();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            send(exchange, 503, error("cannot read cluster '" + reader.path().cluster() + "' from ZooKeeper: " + e));
            return;
        }
        try {
            send(exchange, 200, resource.from(state));
        } catch (AdminException e) {
            send(exchange, 503, error(e.getMessage()));
        } catch (RuntimeException e) {
            log.warn("{}cannot answer {}", logPrefix, exchange.getRequestURI().getPath(), e);
            send(exchange, 500, error("cannot answer: " + e));
        }
    }

    /** The latest events, oldest first, with takeovers as timelines: {@code ?limit=N}, 1 to 1000, default 50. */
    private void events(HttpExchange exchange) throws IOException {
        int limit = 50;
        String query = exchange.getRequestURI().getQuery();
        if (query != null && query.startsWith("limit=")) {
            try {
                limit = Integer.parseInt(query.substring("limit=".length()));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 1000) {
                send(exchange, 400, error("limit must be between 1 and 1000, was " + query.substring(6)));
                return;
            }
        }
        if (notConnected(exchange)) {
            return;
        }
        List<Event> events;
        try {
            events = eventReader.latest(limit);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            send(
                    exchange,
                    503,
                    error("cannot read the events of '" + reader.path().cluster() + "': " + e));
            return;
        }
        ObjectNode node;
        try {
            node = ClusterJson.object();
            node.put("cluster", reader.path().cluster());
            ClusterJson.putEvents(node, events);
        } catch (RuntimeException e) {
            log.warn("{}cannot answer {}", logPrefix, exchange.getRequestURI().getPath(), e);
            send(exchange, 500, error("cannot answer: " + e));
            return;
        }
        send(exchange, 200, node);
    }

    private ObjectNode status(ClusterState s) {
        ObjectNode node = ClusterJson.status(s);
        CoordinatorHealth c = coordinator.get();
        ObjectNode served = node.putObject("servedBy");
        served.put("id", c.id());
        served.put("running", c.running());
        served.put("active", c.active());
        return node;
    }

    /**
     * {@code admin ring --json}, with each member's {@code serving} count (the slots it is primary of now) and
     * {@code primaries}: for each slot, the index in {@code members} of the member serving it now, or -1.
     */
    private ObjectNode ring(ClusterState s) throws AdminException {
        RingSummary summary = RingSummary.of(s);
        Ring ring = summary.ring();
        ObjectNode node = ClusterJson.ring(summary);
        node.put("cluster", s.path().cluster());
        RoutingTable table = s.table();
        int[] serving = new int[ring.members().size()];
        ArrayNode primaries = node.putArray("primaries");
        for (int slot = 0; slot < ring.slotCount(); slot++) {
            Member primary = table.primary(slot);
            int index = primary == null ? -1 : ring.indexOf(primary.id());
            primaries.add(index);
            if (index >= 0) {
                serving[index]++;
            }
        }
        ArrayNode members = (ArrayNode) node.get("members");
        for (int i = 0; i < serving.length; i++) {
            ((ObjectNode) members.get(i)).put("serving", serving[i]);
        }
        return node;
    }

    private void dashboard(HttpExchange exchange) throws IOException {
        if (PAGE == null) {
            send(exchange, 404, error("the dashboard is not in this build"));
            return;
        }
        send(exchange, 200, "text/html; charset=utf-8", PAGE);
    }

    /** The dashboard page, read once from the classpath; null if it is not in this build. */
    private static byte[] page() {
        try (InputStream in = AdminHttpServer.class.getResourceAsStream(DASHBOARD)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    private static ObjectNode error(String message) {
        ObjectNode node = ClusterJson.object();
        node.put("error", message);
        return node;
    }

    private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        send(exchange, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}

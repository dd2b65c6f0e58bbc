package io.ringleader.samples.kv.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringleader.agent.Agent;
import io.ringleader.agent.membership.Member;
import io.ringleader.agent.routing.CallKind;
import io.ringleader.agent.routing.CallPolicy;
import io.ringleader.agent.routing.Caller;
import io.ringleader.agent.routing.CircuitOpenException;
import io.ringleader.agent.routing.NoRouteException;
import io.ringleader.samples.kv.check.KvClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.curator.utils.ThreadUtils;

/**
 * A client of the KV sample that routes each key to its slot's primary through an agent's router, with the call
 * helper's retries: a request the node certainly did not apply (not the primary, still catching up, unreachable,
 * no primary yet) is retried, with backoff, at the primary routing names then; a write whose outcome is unknown (a
 * replica refused or timed out after others may have accepted, or the answer was lost) is not retried, so that
 * no write is applied twice, and surfaces as an exception. A request certainly not applied after every retry
 * surfaces as {@link KvClient.Rejected}.
 */
public final class KvHttpClient implements KvClient {
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Agent agent;
    private final boolean ownsAgent;
    private final Duration attemptTimeout;
    private final Duration deadline;
    private final ExecutorService pool;
    private final HttpClient http;
    private final Caller writes;
    private final Caller reads;

    private KvHttpClient(Agent agent, boolean ownsAgent, Duration attemptTimeout, Duration deadline) {
        this.agent = agent;
        this.ownsAgent = ownsAgent;
        this.attemptTimeout = attemptTimeout;
        this.deadline = deadline;
        this.pool = Executors.newCachedThreadPool(ThreadUtils.newGenericThreadFactory("ringleader-kv-client"));
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(attemptTimeout)
                .executor(pool)
                .build();
        CallPolicy.Builder policy = CallPolicy.builder()
                .attemptTimeout(attemptTimeout.plusMillis(500))
                .maxAttempts(20)
                .backoff(Duration.ofMillis(20), Duration.ofMillis(300))
                .retryBudget(1.0, 1000, Duration.ofSeconds(10))
                .readFallback(false)
                .circuit(5, Duration.ofMillis(500));
        this.writes = agent.router()
                .caller(policy.retryOn(KvHttpClient::certainlyNotApplied).build());
        this.reads = agent.router().caller(policy.retryOn(e -> true).build());
    }

    /**
     * A client over a started agent (an observer of the cluster, usually) that it does not close.
     *
     * @param attemptTimeout how long one HTTP attempt may take
     * @param deadline how long one operation may keep retrying while no primary is known
     */
    public static KvHttpClient over(Agent agent, Duration attemptTimeout, Duration deadline) {
        return new KvHttpClient(Objects.requireNonNull(agent, "agent"), false, attemptTimeout, deadline);
    }

    /**
     * A client that starts and owns an observer agent of {@code cluster} on {@code zk}. The sample client has no
     * ZooKeeper credentials, so its agent runs insecure; it refuses unless {@code insecure} says so.
     *
     * @throws IllegalStateException if not {@code insecure}
     */
    public static KvHttpClient connect(
            String zk, String cluster, boolean insecure, Duration attemptTimeout, Duration deadline) throws Exception {
        Agent.Builder builder = Agent.builder()
                .connectString(zk)
                .cluster(cluster)
                .memberId("kv-client-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime()))
                .observer();
        if (insecure) {
            builder.insecure();
        }
        Agent agent = builder.build();
        try {
            agent.start();
            agent.awaitJoined(Duration.ofSeconds(30));
        } catch (Exception e) {
            agent.close();
            throw e;
        }
        return new KvHttpClient(agent, true, attemptTimeout, deadline);
    }

    @Override
    public void put(String key, String value) throws Exception {
        Objects.requireNonNull(value, "value");
        call(key, CallKind.WRITE, "PUT", value);
    }

    @Override
    public Optional<String> get(String key) throws Exception {
        return Optional.ofNullable(call(key, CallKind.READ, "GET", null));
    }

    @Override
    public void delete(String key) throws Exception {
        call(key, CallKind.WRITE, "DELETE", null);
    }

    private String call(String key, CallKind kind, String method, String value) throws Exception {
        Objects.requireNonNull(key, "key");
        long end = System.nanoTime() + deadline.toNanos();
        Caller caller = kind == CallKind.WRITE ? writes : reads;
        while (true) {
            try {
                return caller.call(key, kind, (member, epoch) -> attempt(member, epoch, method, key, value));
            } catch (NoRouteException | CircuitOpenException e) {
                // Nothing was sent: wait for routing to name a primary.
                if (System.nanoTime() > end) {
                    throw new Rejected(e.getMessage());
                }
                Thread.sleep(50);
            } catch (Exception e) {
                if (certainlyNotApplied(e) && allSuppressedNotApplied(e)) {
                    throw new Rejected(e.getMessage());
                }
                throw e;
            }
        }
    }

    private String attempt(Member member, long epoch, String method, String key, String value) throws Exception {
        if (member.endpoint() == null) {
            throw new NotApplied(member.id() + " has no endpoint");
        }
        URI uri = URI.create(
                "http://" + member.endpoint().host() + ":" + member.endpoint().port() + "/kv/"
                        + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20"));
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(attemptTimeout).header("Ringleader-Epoch", Long.toString(epoch));
        switch (method) {
            case "PUT" -> request.PUT(HttpRequest.BodyPublishers.ofString(value, StandardCharsets.UTF_8));
            case "DELETE" -> request.DELETE();
            default -> request.GET();
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new NotApplied(member.id() + " unreachable: " + e);
        }
        JsonNode body = response.body().length == 0 ? null : JSON.readTree(response.body());
        int status = response.statusCode();
        if (status == 200) {
            return body != null && body.path("found").asBoolean()
                    ? body.path("value").asText()
                    : null;
        }
        if (status == 404 && method.equals("GET")) {
            return null;
        }
        String message = member.id() + " answered " + status
                + (body == null
                        ? ""
                        : ": " + body.path("error").asText() + " "
                                + body.path("message").asText());
        if (body != null && body.path("definite").asBoolean(false)) {
            throw new NotApplied(message);
        }
        throw new IOException(message);
    }

    /** The node certainly did not apply the request: it may go anywhere again. */
    static final class NotApplied extends Exception {
        NotApplied(String message) {
            super(message);
        }
    }

    private static boolean certainlyNotApplied(Exception e) {
        return e instanceof NotApplied || e instanceof NoRouteException || e instanceof CircuitOpenException;
    }

    private static boolean allSuppressedNotApplied(Exception e) {
        for (Throwable s : e.getSuppressed()) {
            if (!(s instanceof Exception x) || !certainlyNotApplied(x)) {
                return false;
            }
        }
        return true;
    }

    /** Closes the callers and, if it owns it, the agent. */
    @Override
    public void close() {
        writes.close();
        reads.close();
        pool.shutdownNow();
        if (ownsAgent) {
            agent.close();
        }
    }
}
